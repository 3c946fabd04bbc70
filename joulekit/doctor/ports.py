"""Is a TCP port free for the process that will listen on it?

The reference director refuses to start when a PTDaemon port is taken, but only after
it has checked NTP and started the analyzer once; a PTDaemon left over from an earlier
run (power-dev #95) is the usual culprit. We bind the port the way a server does
(``SO_REUSEADDR``, so a closing connection in TIME_WAIT is not mistaken for a listener)
and, when it is taken, name the process that holds it where the OS lets us see it.
"""

from __future__ import annotations

import errno
import socket

import psutil

from joulekit.doctor.result import CheckResult, error, ok

TITLE = "port free"


def _holder(port: int) -> str | None:
    """``pid 123 (name)`` of a process listening on ``port``, if visible to us."""
    try:
        connections = psutil.net_connections(kind="tcp")
    except (psutil.Error, OSError):
        return None
    for conn in connections:
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
            if conn.pid is None:
                return "another process"
            try:
                name = psutil.Process(conn.pid).name()
            except psutil.Error:
                name = "?"
            return f"pid {conn.pid} ({name})"
    return None


def bind_error(host: str, port: int) -> OSError | None:
    """Try to bind ``host:port`` as a listener would; the error, or None when free."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
            sock.listen(1)
        except OSError as err:
            return err
    return None


def check_port_free(host: str, port: int, role: str, fix: str) -> CheckResult:
    """``role`` says who will listen (``PTDaemon of analyzer 1``); ``fix`` names the
    setting that moves it (``networkPort in [analyzer1]``)."""
    check = f"port.{port}"
    title = f"{TITLE}: {role}"
    failure = bind_error(host, port)
    if failure is None:
        return ok(check, title, f"{host}:{port} is free", host=host, port=port)
    if failure.errno == errno.EADDRINUSE:
        holder = _holder(port) or "another process"
        return error(
            check,
            title,
            f"{host}:{port} is already taken by {holder}",
            f"stop that process (a PTDaemon or director left from an earlier run?) "
            f"or set {fix} to a free port",
            host=host,
            port=port,
            holder=holder,
        )
    if failure.errno == errno.EACCES:
        return error(
            check,
            title,
            f"not allowed to listen on {host}:{port}: {failure.strerror}",
            f"use a port above 1023 for {fix}, or run as a user allowed to bind it",
            host=host,
            port=port,
        )
    return error(
        check,
        title,
        f"cannot listen on {host}:{port}: {failure.strerror or failure}",
        f"check that {host} is an address of this host, or change {fix}",
        host=host,
        port=port,
    )
