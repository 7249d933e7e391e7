"""Neo4j's snapshot id asked over Bolt with the standard library alone, without importing the driver.

A read-only command whose answer is kept (`kb stats`, `kb similar`, `kb hotspots`, `kb repeats`) needs
only the snapshot id to find it (kb.engines.unopened). Importing the official driver cost ~0.3 CPU s
of such a command's ~0.6 s at 10,000 incidents (it builds a table of every month of years 1-9999
and imports asyncio when imported), while asking took ~20 ms. This asks what Neo4jEngine.snapshot
asks, on one plain-TCP connection: an empty read transaction (RETURN 1) whose commit names the
bookmark, with every request sent at once (one round trip after the version handshake).

Only `bolt://host[:port]` is asked so; other URIs (routing, TLS, a routing context) and servers
that speak no Bolt 5.1-5.4 are left to the driver (`peek` returns NOT_ASKED). Any other failure
(refused credentials, an unknown database, a broken connection) gives None, as the driver's did.
"""

from __future__ import annotations

import socket
import struct
from typing import Any, Final
from urllib.parse import urlsplit

from kb.engines.neo4j_settings import Neo4jSettings

NOT_ASKED: Final = "not asked"
"""`peek`'s answer for a URI or a server this client does not speak to: ask through the driver."""

_DEFAULT_PORT = 7687
_MAGIC = b"\x60\x60\xb0\x17"
# Proposals: [0, range, minor, major]: 5.4 down to 5.1 (each has LOGON; 5.3+ wants bolt_agent).
_VERSIONS = bytes([0, 3, 4, 5]) + bytes(12)
_AGENT = "incident-kb-peek"
_HELLO, _GOODBYE, _RUN, _BEGIN, _COMMIT, _PULL, _LOGON = 0x01, 0x02, 0x10, 0x11, 0x12, 0x3F, 0x6A
_SUCCESS, _RECORD = 0x70, 0x71


class _Unanswered(Exception):
    """The server failed a request, ignored it, or answered what Bolt does not allow."""


def peek(settings: Neo4jSettings) -> str | None:
    """The bookmark Neo4jEngine.snapshot would return, None where the server cannot be asked, or
    NOT_ASKED where the driver must ask."""
    address = _plain_bolt_address(settings)
    if address is None:
        return NOT_ASKED
    try:
        with socket.create_connection(address, timeout=settings.connect_seconds) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.sendall(_MAGIC + _VERSIONS)
            agreed = _read_exactly(sock, 4)
            if agreed[3] != 5 or not 1 <= agreed[2] <= 4:
                return NOT_ASKED  # no Bolt 5.1-5.4 (the driver speaks others)
            sock.sendall(_requests(settings, minor=agreed[2]))
            bookmark = _bookmark(_Replies(sock))
            sock.sendall(_message(_GOODBYE))  # after the replies: the server closes on reading it
    except (OSError, _Unanswered, struct.error, ValueError, IndexError):
        return None  # the engine, opened after, says why
    return f"neo4j {bookmark}" if bookmark else None


def _plain_bolt_address(settings: Neo4jSettings) -> tuple[str, int] | None:
    """(host, port) of a `bolt://host[:port]` URI (no user-info, path, query or fragment) with a
    database named; None for anything else."""
    try:
        parts = urlsplit(settings.uri)
        port = parts.port or _DEFAULT_PORT
    except ValueError:
        return None
    plain = parts.scheme == "bolt" and parts.hostname and "@" not in parts.netloc
    if not plain or parts.path not in ("", "/") or parts.query or parts.fragment or not settings.database:
        return None
    return str(parts.hostname), port


def _requests(settings: Neo4jSettings, minor: int) -> bytes:
    """HELLO, LOGON, BEGIN (read), RUN, PULL and COMMIT, pipelined."""
    hello: dict[str, Any] = {"user_agent": _AGENT}
    if minor >= 3:
        hello["bolt_agent"] = {"product": _AGENT}
    logon = {"scheme": "basic", "principal": settings.user, "credentials": settings.password}
    return b"".join(
        _message(tag, *fields)
        for tag, *fields in (
            (_HELLO, hello),
            (_LOGON, logon),
            (_BEGIN, {"mode": "r", "db": settings.database}),
            (_RUN, "RETURN 1", {}, {}),
            (_PULL, {"n": -1}),
            (_COMMIT,),
        )
    )


def _bookmark(replies: _Replies) -> str | None:
    """The bookmark in COMMIT's SUCCESS, after the SUCCESS of every request before it (RUN's record
    skipped); a FAILURE or IGNORED raises."""
    for _request in ("HELLO", "LOGON", "BEGIN", "RUN", "PULL"):
        replies.next_summary()
    bookmark = replies.next_summary().get("bookmark")
    return bookmark if isinstance(bookmark, str) else None


# -- PackStream: what these requests send and their replies hold ---------------------------------
def _message(tag: int, *fields: Any) -> bytes:
    """One message as chunks of at most 65,535 bytes, ended by an empty chunk."""
    body = bytes([0xB0 | len(fields), tag]) + b"".join(_pack(f) for f in fields)
    chunks = [body[i : i + 0xFFFF] for i in range(0, len(body), 0xFFFF)]
    return b"".join(struct.pack(">H", len(c)) + c for c in chunks) + b"\x00\x00"


def _pack(value: Any) -> bytes:
    if isinstance(value, str):
        data = value.encode()
        return _sized(len(data), 0x80, 0xD0) + data
    if isinstance(value, dict):
        return _sized(len(value), 0xA0, 0xD8) + b"".join(_pack(k) + _pack(v) for k, v in value.items())
    if isinstance(value, int) and -16 <= value < 128:
        return struct.pack(">b", value)
    raise ValueError(f"not packed here: {type(value).__name__}")


def _sized(size: int, tiny: int, marker: int) -> bytes:
    """A string's, list's or map's marker and size: tiny below 16, else 8, 16 or 32 bits."""
    if size < 16:
        return bytes([tiny | size])
    for bits, fmt in ((0, ">B"), (1, ">H"), (2, ">I")):
        if size < 1 << (8 << bits):
            return bytes([marker + bits]) + struct.pack(fmt, size)
    raise ValueError("too large to pack")


class _Replies:
    """The server's messages, read from the socket one at a time."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def next_summary(self) -> dict[str, Any]:
        """The next SUCCESS's metadata, skipping RECORDs; FAILURE or IGNORED raises."""
        while True:
            tag, fields = self._message()
            if tag == _SUCCESS and fields and isinstance(fields[0], dict):
                return fields[0]
            if tag != _RECORD:
                raise _Unanswered(f"Bolt message 0x{tag:02X}: {fields!r:.200}")

    def _message(self) -> tuple[int, list[Any]]:
        body = b""
        while True:
            (size,) = struct.unpack(">H", _read_exactly(self._sock, 2))
            if size == 0:
                if body:
                    break
                continue  # a NOOP chunk (keep-alive) between messages
            body += _read_exactly(self._sock, size)
        value, end = _unpack(body, 0)
        if not isinstance(value, _Struct) or end != len(body):
            raise _Unanswered("not a Bolt message")
        return value.tag, value.fields


class _Struct:
    def __init__(self, tag: int, fields: list[Any]) -> None:
        self.tag, self.fields = tag, fields


_FIXED = {0xC8: ">b", 0xC9: ">h", 0xCA: ">i", 0xCB: ">q", 0xC1: ">d"}
_SIZES = {0: ">B", 1: ">H", 2: ">I"}


def _unpack(data: bytes, at: int) -> tuple[Any, int]:
    """The PackStream value at `at` in `data` and where the next begins."""
    marker = data[at]
    at += 1
    high = marker & 0xF0
    if marker < 0x80 or marker >= 0xF0:  # tiny int
        return (marker if marker < 0x80 else marker - 0x100), at
    if marker in (0xC0, 0xC2, 0xC3):
        return {0xC0: None, 0xC2: False, 0xC3: True}[marker], at
    if marker in _FIXED:
        fmt = _FIXED[marker]
        return struct.unpack_from(fmt, data, at)[0], at + struct.calcsize(fmt)
    if high in (0x80, 0x90, 0xA0, 0xB0):
        size = marker & 0x0F
    elif 0xCC <= marker <= 0xDA and (marker & 0x03) != 3:
        fmt = _SIZES[marker & 0x03]
        (size,) = struct.unpack_from(fmt, data, at)
        at += struct.calcsize(fmt)
    else:
        raise _Unanswered(f"PackStream marker 0x{marker:02X}")
    if high == 0x80 or 0xD0 <= marker <= 0xD2:
        return data[at : at + size].decode(), at + size
    if 0xCC <= marker <= 0xCE:
        return data[at : at + size], at + size
    if high == 0xB0:
        tag = data[at]
        fields, at = _unpack_many(data, at + 1, size)
        return _Struct(tag, fields), at
    if high == 0x90 or 0xD4 <= marker <= 0xD6:
        return _unpack_many(data, at, size)
    items, at = _unpack_many(data, at, 2 * size)  # a map: keys and values in turn
    return dict(zip(items[::2], items[1::2], strict=True)), at


def _unpack_many(data: bytes, at: int, count: int) -> tuple[list[Any], int]:
    values = []
    for _ in range(count):
        value, at = _unpack(data, at)
        values.append(value)
    return values, at


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        part = sock.recv(size - len(data))
        if not part:
            raise ConnectionError("the server closed the connection")
        data += part
    return data


__all__ = ["NOT_ASKED", "peek"]
