"""How long and how much the director grants one connection, by session state.

A stranger on the lab network must not be able to hold the director: a connection that
never completes the handshake is closed after ``handshake_s``; one that holds no running
session after ``idle_s`` of silence. A legitimate client is silent for the whole
workload (13 hours is not unusual), so while a phase is measuring (RANGING, TESTING)
there is no idle limit at all: TCP keepalive finds a dead peer, and a live peer that
stays silent is exactly what the protocol expects. Between phases the client only checks
clocks and copies LoadGen logs, which gets the generous ``between_phases_s``. In every
state, a line that has begun must end within ``line_s`` (a peer trickling one byte at a
time cannot pin the connection) and be at most ``max_line`` bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from joulekit.power_director.director.session import State
from joulekit.power_director.director.watch import WATCH_PERIOD_S

#: States in which the analyzers measure and the client runs its workload.
MEASURING = (State.RANGING, State.TESTING)


@dataclass(frozen=True)
class ConnectionLimits:
    handshake_s: float = 15.0
    #: no session on the connection (before ``new``, after ``done``)
    idle_s: float = 120.0
    #: a session between phases (INITIAL, RANGING_DONE, TESTING_DONE)
    between_phases_s: float = 1800.0
    line_s: float = 30.0
    #: a command is at most ~100 bytes; a label long enough to reach this could not
    #: name a folder anyway (255-byte file names)
    max_line: int = 4096
    #: connections served at once; one more is told the director is busy and closed
    max_connections: int = 256
    #: while a phase measures, the analyzers are polled this often, so a lost one ends
    #: the phase at once (:mod:`joulekit.power_director.director.watch`); 0: never
    analyzer_watch_s: float = WATCH_PERIOD_S

    def idle_for(self, state: State | None) -> float | None:
        """Seconds of silence allowed before the next command; None means no limit."""
        if state is None or state is State.DONE:
            return self.idle_s
        if state in MEASURING:
            return None
        return self.between_phases_s
