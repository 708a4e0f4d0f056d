"""A small asyncio TCP proxy that injects faults between a client and its server.

The proxy forwards bytes both ways and counts requests: the bytes a client sends on a
connection between two replies (one Redis command or pipeline, one HTTP request with its
body). A fault is armed for the ``n``-th request from now:

* ``refuse``: that request is never forwarded; its connection is cut (the client sees a
  reset: a request that never reached the server).
* ``drop``: that request is forwarded, its reply is thrown away and the connection cut
  (a request the server applied whose answer was lost: the dangerous case for retries).
* ``stall``: that request and everything after it on that connection are held: the
  client waits for an answer that never comes (a hung server).

Besides one-shot faults, ``down()`` refuses every new and open connection until ``up()``,
and ``freeze()`` stalls every connection until ``thaw()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from dataclasses import dataclass, field

__all__ = ["FaultProxy"]

FAULTS = ("refuse", "drop", "stall")


@dataclass(eq=False)
class _Pipe:
    client: asyncio.StreamWriter
    server: asyncio.StreamWriter
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    drop_replies: bool = False
    stalled: bool = False
    in_request: bool = False


class FaultProxy:
    """``async with FaultProxy(upstream_port) as proxy:`` then point the client at ``proxy.port``."""

    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self.requests = 0
        self.injected = 0
        self._fault: str | None = None
        self._at = 0
        self._down = False
        self._frozen = asyncio.Event()
        self._frozen.set()
        self._pipes: set[_Pipe] = set()
        self._tasks: set[asyncio.Future[None]] = set()
        self._server: asyncio.base_events.Server | None = None

    async def __aenter__(self) -> FaultProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for pipe in list(self._pipes):
            await self._cut(pipe)
        self._frozen.set()
        await self._server.wait_closed()

    # -- control ------------------------------------------------------------------------

    def arm(self, fault: str, nth: int) -> None:
        """Inject ``fault`` at the ``nth`` request from now (1 = the next one)."""
        assert fault in FAULTS and nth >= 1
        self._fault, self._at = fault, self.requests + nth

    def disarm(self) -> None:
        self._fault = None

    @property
    def fired(self) -> bool:
        return self._fault is not None and self.requests >= self._at

    def down(self) -> None:
        """Refuse every connection, open or new (the server is gone)."""
        self._down = True
        for pipe in list(self._pipes):
            self._later(self._cut(pipe))

    def up(self) -> None:
        self._down = False

    def freeze(self) -> None:
        """Hold every byte in both directions (the server hangs)."""
        self._frozen.clear()

    def thaw(self) -> None:
        self._frozen.set()

    def heal(self) -> None:
        """Back to plain forwarding; cut the connections a fault left behind."""
        self.disarm()
        self.up()
        self.thaw()
        for pipe in list(self._pipes):
            if pipe.stalled or pipe.drop_replies:
                self._later(self._cut(pipe))

    # -- plumbing -----------------------------------------------------------------------

    def _later(self, coro) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._down:
            _reset(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            _reset(writer)
            return
        pipe = _Pipe(writer, up_writer)
        self._pipes.add(pipe)
        pipe.tasks = [
            asyncio.ensure_future(self._upstream(pipe, reader)),
            asyncio.ensure_future(self._downstream(pipe, up_reader)),
        ]

    async def _upstream(self, pipe: _Pipe, reader: asyncio.StreamReader) -> None:
        try:
            while data := await reader.read(1 << 16):
                await self._frozen.wait()
                if pipe.stalled:
                    continue
                if not pipe.in_request:  # the first bytes after a reply: a new request
                    pipe.in_request = True
                    self.requests += 1
                    if self._fault is not None and self.requests == self._at:
                        self.injected += 1
                        if self._fault == "refuse":
                            await self._cut(pipe)
                            return
                        if self._fault == "stall":
                            pipe.stalled = True
                            continue
                        pipe.drop_replies = True  # forwarded; its reply will be lost
                pipe.server.write(data)
                await pipe.server.drain()
        except (ConnectionError, OSError):
            pass
        await self._cut(pipe)

    async def _downstream(self, pipe: _Pipe, reader: asyncio.StreamReader) -> None:
        try:
            while data := await reader.read(1 << 16):
                await self._frozen.wait()
                if pipe.stalled:
                    continue
                if pipe.drop_replies:  # the server has answered, so it applied the request
                    break
                pipe.in_request = False
                pipe.client.write(data)
                await pipe.client.drain()
        except (ConnectionError, OSError):
            pass
        if not pipe.stalled:
            await self._cut(pipe)

    async def _cut(self, pipe: _Pipe) -> None:
        if pipe not in self._pipes:
            return
        self._pipes.discard(pipe)
        _reset(pipe.client)
        pipe.server.close()
        current = asyncio.current_task()
        for task in pipe.tasks:
            if task is not current:
                task.cancel()
        for task in pipe.tasks:
            if task is not current:
                with contextlib.suppress(BaseException):
                    await task
        with contextlib.suppress(Exception):
            await pipe.server.wait_closed()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset (SO_LINGER 0): the peer sees ECONNRESET, not a clean EOF."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.close()
