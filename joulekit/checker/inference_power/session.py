"""PWR030-PWR034: client and director describe the same session.

Each side records the session independently; agreement between them is what ties the
LoadGen logs (client side) to the power samples (director side).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from joulekit.checker import catalog as R
from joulekit.checker.findings import Finding
from joulekit.checker.inference_power.context import PowerContext
from joulekit.formats.layout import POWER_CLIENT_JSON, POWER_SERVER_JSON

_CLIENT_HELLO = re.compile(r"^mlcommons/power client v(\d+)$")
_SERVER_HELLO = re.compile(r"^mlcommons/power server v(\d+)$")


def check_uuid(ctx: PowerContext) -> Iterator[Finding]:
    client, server = ctx.client, ctx.server
    if client is None or server is None:
        return
    if client.uuid != server.uuid or not client.uuid:
        yield R.UUID.finding(
            "client.json and server.json record different UUIDs",
            file=POWER_CLIENT_JSON,
            expected=str(server.uuid),
            found=str(client.uuid),
        )


def check_session_name(ctx: PowerContext) -> Iterator[Finding]:
    client, server = ctx.client, ctx.server
    if client is None or server is None:
        return
    if client.session_name != server.session_name or not client.session_name:
        yield R.SESSION.finding(
            "client.json and server.json record different session names",
            file=POWER_CLIENT_JSON,
            expected=server.session_name,
            found=client.session_name,
        )


def check_messages(ctx: PowerContext) -> Iterator[Finding]:
    client, server = ctx.client, ctx.server
    if client is None or server is None:
        return
    # v1.0 clients uploaded client.json at the end, so the director recorded one more
    # message than the client (pack: session.server_extra_messages)
    extra = ctx.rules.server_extra_messages
    if len(client.messages) != len(server.messages) - extra:
        more = f" (the director records {extra} more: the upload)" if extra else ""
        yield R.MESSAGES.finding(
            "client.json and server.json record a different number of messages" + more,
            file=POWER_CLIENT_JSON,
            expected=str(len(server.messages) - extra),
            found=str(len(client.messages)),
        )
        return
    shared = server.messages[: len(client.messages)]
    for index, (mine, theirs) in enumerate(zip(client.messages, shared, strict=True), 1):
        if mine.cmd != theirs.cmd:
            yield R.MESSAGES.finding(
                f"message {index}: commands differ",
                file=POWER_CLIENT_JSON,
                expected=theirs.cmd,
                found=mine.cmd,
            )
        elif mine.cmd != "time" and mine.reply != theirs.reply:
            yield R.MESSAGES.finding(
                f"message {index} ({mine.cmd!r}): replies differ",
                file=POWER_CLIENT_JSON,
                expected=theirs.reply,
                found=mine.reply,
            )


def check_protocol(ctx: PowerContext) -> Iterator[Finding]:
    for name, summary in ((POWER_CLIENT_JSON, ctx.client), (POWER_SERVER_JSON, ctx.server)):
        if summary is None:
            continue
        if not summary.messages:
            yield R.PROTOCOL.finding(
                "no protocol handshake recorded",
                file=name,
                expected="mlcommons/power client vN",
                found="no messages",
            )
            continue
        hello = summary.messages[0]
        client_v = _CLIENT_HELLO.match(hello.cmd)
        server_v = _SERVER_HELLO.match(hello.reply)
        if not client_v or not server_v or client_v.group(1) != server_v.group(1):
            yield R.PROTOCOL.finding(
                "the handshake does not pair client vN with server vN",
                file=name,
                expected="mlcommons/power client vN -> mlcommons/power server vN",
                found=f"{hello.cmd} -> {hello.reply}",
            )


def check_debug(ctx: PowerContext) -> Iterator[Finding]:
    if ctx.server is not None and ctx.server.debug is True:
        yield R.DEBUG.finding(
            "server.json says the director ran in debug mode",
            file=POWER_SERVER_JSON,
            expected="debug absent or false",
            found="true",
        )
