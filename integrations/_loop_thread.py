"""Bridges between loop-bound file systems and the threads and loops that call them.

aiofs file systems hold connections bound to the event loop that made them (Redis,
aiohttp). Synchronous frameworks call from worker threads while a loop may run elsewhere,
and async code may run on several loops in one process (one per test, one per
``async_to_sync`` call). Two tools keep each file system on exactly one loop:

* :class:`LoopThread` — one private event loop in a daemon thread. Synchronous code
  submits coroutines to it and waits (``asyncio.run_coroutine_threadsafe``); whatever
  lives on that loop is used from there only.
* :class:`PerLoop` — one object per running event loop, for async callers that must never
  block their own loop. It is closed when its loop shuts down: ``asyncio.run``, uvicorn,
  pytest-asyncio and asgiref all call ``loop.shutdown_asyncgens()`` before closing a loop,
  which closes a small keeper async generator started on that loop.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import threading
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable, Coroutine
from typing import Any, Generic, TypeVar

__all__ = ["LoopThread", "PerLoop"]

_T = TypeVar("_T")


class LoopThread:
    """A private event loop in a daemon thread, started on first use.

    ``run(coro)`` executes ``coro`` there and returns its result in the calling thread.
    Objects registered with :meth:`close_at_exit` are closed on that loop when the
    interpreter exits, before the loop stops.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._at_exit: dict[int, Callable[[], Awaitable[None]]] = {}
        self._stopped = False

    @property
    def usable(self) -> bool:
        """False once stopped (at interpreter exit): nothing more can run."""
        return not self._stopped

    def _start(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._stopped:
                raise RuntimeError(f"The {self._name!r} loop has stopped (interpreter exit)")
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=self._serve, args=(loop,), name=self._name, daemon=True
                )
                thread.start()
                self._loop, self._thread = loop, thread
                atexit.register(self.stop)
            return self._loop

    @staticmethod
    def _serve(loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()

    def in_thread(self) -> bool:
        """Whether the caller runs on this loop's own thread."""
        return self._thread is not None and threading.current_thread() is self._thread

    def run(self, coro: Coroutine[Any, Any, _T]) -> _T:
        """Run ``coro`` on the private loop and wait for its result.

        Raises:
            RuntimeError: called from the private loop's own thread (waiting there would
                deadlock: the loop could never run ``coro``).
        """
        if self.in_thread():
            coro.close()
            raise RuntimeError(
                f"Blocking call on the {self._name!r} loop thread: it would deadlock; "
                "use the async API there"
            )
        try:
            loop = self._start()
        except RuntimeError:
            coro.close()
            raise
        future = asyncio.run_coroutine_threadsafe(coro, loop)
        thread = self._thread
        try:
            # Wait in slices: if the loop thread ends meanwhile, fail instead of hanging.
            while not concurrent.futures.wait([future], timeout=0.5).done:
                if thread is None or not thread.is_alive():
                    raise RuntimeError(f"The {self._name!r} loop stopped during the call")
            return future.result()
        except BaseException:
            future.cancel()
            raise

    def submit(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Schedule ``coro`` without waiting (safe from any thread, also the loop's own)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            coro.close()
            return
        try:
            asyncio.run_coroutine_threadsafe(coro, loop)
        except RuntimeError:  # the loop closed meanwhile (interpreter exit)
            coro.close()

    def close_at_exit(self, key: object, close: Callable[[], Awaitable[None]]) -> None:
        """Remember ``close`` to be awaited on the loop at exit (until :meth:`forget`)."""
        with self._lock:
            self._at_exit[id(key)] = close

    def forget(self, key: object) -> None:
        with self._lock:
            self._at_exit.pop(id(key), None)

    def stop(self) -> None:
        """Close what is still registered, stop the loop and join its thread."""
        with self._lock:
            self._stopped = True
            loop, thread = self._loop, self._thread
            closers = list(self._at_exit.values())
            self._at_exit.clear()
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        atexit.unregister(self.stop)
        if threading.current_thread() is not thread and not loop.is_closed():
            for close in closers:
                try:
                    asyncio.run_coroutine_threadsafe(_awaited(close), loop).result(10)
                except Exception:  # best effort at exit: close the others
                    continue
        loop.call_soon_threadsafe(loop.stop)
        if threading.current_thread() is not thread:
            thread.join(10)


async def _awaited(close: Callable[[], Awaitable[None]]) -> None:
    await close()


class PerLoop(Generic[_T]):
    """One object per running event loop, made on first use and closed with the loop.

    Args:
        make: builds the object (called on the loop that will use it).
        close: releases it; awaited on the same loop when that loop shuts down, or by
            :meth:`aclose`.
    """

    def __init__(self, make: Callable[[], _T], close: Callable[[_T], Awaitable[None]]) -> None:
        self._make = make
        self._close = close
        self._items: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[_T, AsyncGenerator[None, None]]
        ] = weakref.WeakKeyDictionary()

    async def get(self) -> _T:
        """The object of the running loop."""
        loop = asyncio.get_running_loop()
        entry = self._items.get(loop)
        if entry is None:
            item = self._make()
            keeper = _keeper(item, self._close, self._items, weakref.ref(loop))
            self._items[loop] = entry = (item, keeper)
            # The first step registers the keeper with this loop's shutdown_asyncgens().
            await keeper.asend(None)
        return entry[0]

    async def aclose(self) -> None:
        """Close the running loop's object now (a later :meth:`get` makes a new one)."""
        entry = self._items.pop(asyncio.get_running_loop(), None)
        if entry is not None:
            await entry[1].aclose()


async def _keeper(
    item: _T,
    close: Callable[[_T], Awaitable[None]],
    items: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any],
    loop: weakref.ref[asyncio.AbstractEventLoop],
) -> AsyncGenerator[None, None]:
    """Suspended for the loop's lifetime; closes ``item`` when the loop closes it."""
    try:
        yield
    finally:
        owner = loop()
        if owner is not None and items.get(owner, (None,))[0] is item:
            del items[owner]
        await close(item)
