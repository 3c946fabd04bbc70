"""``python -m joulekit.cli.watched PARENT_PID COMMAND ARGS…``: a command that ends with its parent.

The local director of ``joulekit run`` (:mod:`joulekit.run.local_director`) runs in a
session of its own, so nothing the terminal does reaches it; this entry point runs the
``joulekit`` command it is given and watches the parent's pid, and once the parent is
gone it stops the command as SIGTERM would (session ended, logs written) and exits at the
latest ``STOP_TIMEOUT_S`` later even if that stop hangs. It lives in the CLI layer because
it runs a whole command; the run part only spawns it by its module name.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

from joulekit.cli import main
from joulekit.run.local_director import STOP_TIMEOUT_S

#: how often the command checks that the process that started it is still there
WATCH_PERIOD_S = 0.2


def _watch_parent(parent: int) -> None:
    """Once ``parent`` is gone, stop as on SIGTERM; exit at the latest ``STOP_TIMEOUT_S``
    later even if that stop hangs or the interrupt is swallowed."""
    while os.getppid() == parent:
        time.sleep(WATCH_PERIOD_S)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(STOP_TIMEOUT_S)
    os._exit(128 + signal.SIGTERM)


def child_main(argv: list[str]) -> int:
    """Run ``joulekit ARGV[1:]`` while the process ``ARGV[0]`` is this one's parent."""
    parent = int(argv[0])
    if os.getppid() != parent:  # the parent died before this process got here
        return 128 + signal.SIGTERM
    threading.Thread(target=_watch_parent, args=(parent,), name="parent-watch",
                     daemon=True).start()
    return main(argv[1:])


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
