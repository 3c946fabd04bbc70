"""What the director and the client both need, so that neither imports the other.

Rooms: ``protocol`` (protocol v3: wire strings, framing, command builders and reply
parsers, ``DEFAULT_PORT``, line and download limits), ``clock`` (stepping the system
clock from an NTP server), ``timesync`` (the NTP offset and the client-director clock
offset checked before each phase), ``logs`` (the reference log-line layouts and the
per-session capture handler), ``provenance`` (source hashes, time zone, the ``joulekit``
block), ``lost`` (the ``joulekit.lost`` record of a peer that went away), ``config`` (the
director's configuration: the reference ``server.conf`` layout, read by the director and
by ``doctor``/``rehearse`` to check or reproduce it).

This part sits below the director (``joulekit.power_director``) and the orchestration
(``joulekit.run``); it imports only the basics, ``joulekit.formats`` and ``joulekit.rules``.
"""
