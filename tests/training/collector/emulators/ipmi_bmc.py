"""An IPMI BMC on loopback UDP that answers DCMI Get Power Reading with known watts.

pyghmi's own BMC server (``pyghmi.ipmi.bmc.Bmc``) does the RMCP+ session (login,
integrity, confidentiality); this subclass adds the two commands the collector sends:
DCMI Get Power Reading (netfn 0x2C, command 0x02, group 0xDC) and Get SEL Time (netfn
0x0A, command 0x48). Its clock may be put off by ``--clock-offset`` seconds so the
collector's offset measurement can be checked.

    python ipmi_bmc.py --port P --watts 275 [--clock-offset S] [--user U --password PW]

Prints ``READY <port>`` once listening; runs until killed.
"""

from __future__ import annotations

import argparse
import struct
import sys
import time

import pyghmi.ipmi.bmc as bmc
import pyghmi.ipmi.private.serversession as serversession

_open_session_response = serversession.ServerSession.create_open_session_response


def _sha1_only(self, request):  # type: ignore[no-untyped-def]
    """pyghmi's server always answers cipher suite 3 (SHA-1), even to a client asking for
    SHA-256, and pyghmi's client then fails on the hash length. A real SHA-1-only BMC
    refuses the SHA-256 proposal (RMCP+ status 0x11, invalid authentication algorithm),
    and the client retries with SHA-1: answer like that one."""
    if len(request) > 12 and request[12] == 3:
        return bytearray([request[0], 0x11, 0, 0]) + request[4:8]
    return _open_session_response(self, request)


serversession.ServerSession.create_open_session_response = _sha1_only


class PowerBmc(bmc.Bmc):
    def __init__(self, authdata: dict[str, str], port: int, watts: float, offset: float) -> None:
        super().__init__(authdata, port=port, address="127.0.0.1")
        self.watts = watts
        self.offset = offset

    def get_power_state(self) -> str:
        return "on"

    def handle_raw_request(self, request, session):  # type: ignore[no-untyped-def]
        netfn, command = request["netfn"], request["command"]
        now = int(time.time() + self.offset)
        if netfn == 0x2C and command == 0x02 and bytes(request["data"][:1]) == b"\xdc":
            w = round(self.watts)
            data = [0xDC]
            data += list(struct.pack("<HHHH", w, w, w, w))  # current, min, max, average
            data += list(struct.pack("<I", now))  # the BMC's timestamp
            data += list(struct.pack("<I", 1000))  # statistics period, ms
            data += [0x40]  # power measurement active
            return session.send_ipmi_response(data=data)
        if netfn == 0x0A and command == 0x48:  # Get SEL Time
            return session.send_ipmi_response(data=list(struct.pack("<I", now)))
        return super().handle_raw_request(request, session)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--watts", type=float, default=275.0)
    parser.add_argument("--clock-offset", type=float, default=0.0)
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="secret")
    args = parser.parse_args()
    server = PowerBmc({args.user: args.password}, args.port, args.watts, args.clock_offset)
    print(f"READY {args.port}", flush=True)
    server.listen(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
