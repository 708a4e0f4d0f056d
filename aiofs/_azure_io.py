"""Reading and writing one blob: the pinned reader, the staged writer and the writer lease.

See ``aiofs._azure_driver`` for the decisions; this module holds their mechanics.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import io
import os
import uuid
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, TypeVar

from . import _errors
from ._azure_errors import is_conflict, seam, status
from ._deadline import within
from ._driver import Reader, WriteMode, Writer
from ._protocol import FileInfo

if TYPE_CHECKING:
    from azure.storage.blob.aio import BlobClient, BlobLeaseClient

    from ._azure_driver import AzureDriver

_T = TypeVar("_T")

MAX_BLOCKS = 50_000
#: Larger copies and appends are composed from Put Block From URL ranges of this size.
URL_BLOCK = 100 << 20
TOKEN_KEY = "aiofswriter"
#: The largest body sent as one Put Blob; aiohttp wants larger ones streamed, so they are
#: staged as blocks (in parallel) and committed instead.
SINGLE_PUT_MAX = 1 << 20
#: Blocks from this size on are digested in a worker thread, not on the event loop.
THREADED_DIGEST = 256 << 10
#: The least a sequential reader fetches ahead in one GET.
PREFETCH = 8 << 20


def _md5(data: bytes) -> bytes:
    return hashlib.md5(data, usedforsecurity=False).digest()


def new_token() -> str:
    return os.urandom(16).hex()


def block_id(token: str, index: int) -> str:
    """48 characters for every writer, forever: 32 hex (the writer) + 16 digits (index)."""
    return f"{token}{index:016d}"


def body(data: bytes) -> io.BytesIO:
    """A request body aiohttp streams in pieces (raw bytes over 1 MiB would warn).

    The bytes are written into the stream's own buffer: aiohttp's ``getbuffer()`` would
    copy a buffer shared with ``data`` anyway, so the caller can drop ``data`` now.
    """
    stream = io.BytesIO()
    stream.write(data)
    stream.seek(0)
    return stream


class Lease:
    """A writer's lease on an existing blob, renewed in the background until released.

    Leases last 15-60 s, so a dead holder blocks the path for at most ``ttl`` seconds.
    Every write to a leased blob must carry the lease id, so other writers, ``write_bytes``
    and ``cp`` onto it fail with 412 (``BlockingIOError``) while it is held.
    """

    def __init__(self, client: BlobLeaseClient, ttl: int) -> None:
        self.client = client
        self.etag = str(client.etag)
        self._released = False
        self._renewer = asyncio.ensure_future(self._renew(ttl / 3))

    @classmethod
    async def acquire(cls, blob: BlobClient, ttl: int, path: str, where: str) -> Lease | None:
        """The lease, or ``None`` if the blob does not exist (it cannot be leased then)."""
        from azure.core.exceptions import HttpResponseError

        lease_id = str(uuid.uuid4())  # ours, so a cancelled acquire can still release it
        request = asyncio.ensure_future(blob.acquire_lease(lease_duration=ttl, lease_id=lease_id))
        with seam(path, where):
            try:
                client = await asyncio.shield(request)
            except HttpResponseError as exc:
                if status(exc) == 404:
                    return None
                if is_conflict(exc):
                    raise _errors.busy(path, where) from exc
                raise
            except asyncio.CancelledError:
                # A request cut mid-flight may still be applied after a release sent at
                # once: let it finish, then release what it took.
                await to_the_end(_release_after(request, blob, lease_id))
                raise
        return cls(client, ttl)

    async def _renew(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await to_the_end(self.client.renew())
            except asyncio.CancelledError:
                raise
            except Exception:  # lost: the commit, which carries the lease id, will tell
                return

    async def stop(self) -> None:
        """Stop renewing (the blob was deleted with the lease: nothing to release)."""
        self._released = True
        self._renewer.cancel()
        await asyncio.wait({self._renewer})  # a renewal in flight ends first

    async def release(self) -> None:
        """Stop renewing and release, even if cancelled meanwhile (then re-raised).

        A failed release only lets the lease expire.
        """
        if not self._released:
            await to_the_end(self._release())

    async def _release(self) -> None:
        from azure.core.exceptions import AzureError

        await self.stop()
        try:
            await self.client.release()
        except (AzureError, ValueError, TimeoutError):
            pass


async def to_the_end(work: Awaitable[_T]) -> _T:
    """``await work``; if the caller is cancelled meanwhile, ``work`` still runs to its end
    (awaited) before the cancellation propagates: a lease is never left behind."""
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait({task})  # unlike gather, never cancels the task
        if not task.cancelled():
            task.exception()  # retrieved: the cancellation is what propagates
        raise


async def _release_after(request: asyncio.Future[Any], blob: BlobClient, lease_id: str) -> None:
    await asyncio.wait({request})
    if not request.cancelled() and request.exception() is None:
        await _release_quietly(blob, lease_id)


async def _release_quietly(blob: BlobClient, lease_id: str) -> None:
    from azure.storage.blob.aio import BlobLeaseClient

    try:
        await BlobLeaseClient(blob, lease_id).release()
    except Exception:  # never acquired, or already gone
        pass


class AzReader(Reader):
    """One version of a blob: every ranged GET is pinned to its ETag (``If-Match``).

    Sequential reads are pipelined: while the caller consumes one range, the next range
    (at least ``PREFETCH`` bytes, so fewer, larger GETs) is already downloading. One range
    is kept (``_window``) and one is in flight: bounded memory.
    """

    def __init__(self, driver: AzureDriver, blob: BlobClient, info: FileInfo, head: bytes) -> None:
        self._driver = driver
        self._blob = blob
        self._head = head  # the first bytes, fetched with the size and ETag on open
        self.info = info
        self._next: tuple[int, asyncio.Future[bytes]] | None = None
        self._window: tuple[int, bytes] = (0, b"")  # the last prefetched range
        self._last_end = -1
        self._closed = False
        driver.using(+1)

    async def read(self, offset: int, size: int) -> bytes:
        end = min(offset + size, self.info.size)
        if offset >= end:
            return b""
        if end <= len(self._head):
            self._last_end = end
            return self._head[offset:end]
        parts, pos = [], offset
        at, window = self._window
        if at <= pos < at + len(window):
            parts.append(window[pos - at : end - at])
            pos += len(parts[-1])
        if pos < end:
            ahead, self._next = self._next, None
            if ahead is not None and ahead[0] == pos:
                got = await ahead[1]
                self._window = (pos, got)
                parts.append(got[: end - pos])
                pos += len(parts[-1])
            elif ahead is not None:
                await _cancelled(ahead[1])
            if pos < end:
                parts.append(await self._fetch(pos, end - pos))
        data = parts[0] if len(parts) == 1 else b"".join(parts)
        sequential, self._last_end = offset == self._last_end, end
        if sequential and self._next is None:
            at, window = self._window
            start = at + len(window) if at <= end <= at + len(window) else end
            if start < self.info.size:
                length = min(max(end - offset, PREFETCH), self.info.size - start)
                self._next = (start, asyncio.ensure_future(self._fetch(start, length)))
        return data

    async def _fetch(self, offset: int, length: int) -> bytes:
        from azure.core import MatchConditions

        with seam(self.info.path, self._driver.where, pinned=True):
            stream = await self._blob.download_blob(
                offset,
                length,
                etag=self.info.etag,
                match_condition=MatchConditions.IfNotModified,
                max_concurrency=self._driver.concurrency,
            )
            return await stream.readall()

    async def close(self) -> None:
        self._head, self._window = b"", (0, b"")
        ahead, self._next = self._next, None
        if ahead is not None:
            await _cancelled(ahead[1])
        if not self._closed:
            self._closed = True
            await self._driver.done_using()


async def _cancelled(task: asyncio.Future[Any]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


class AzWriter(Writer):
    """The next version of a blob: blocks staged as data comes, committed conditionally.

    ``etag`` is the version seen on enter (``None``: the blob was missing, so the commit
    is create-only); ``lease`` is held when the blob existed.
    """

    def __init__(
        self,
        driver: AzureDriver,
        blob: BlobClient,
        path: str,
        mode: WriteMode,
        etag: str | None,
        lease: Lease | None = None,
        *,
        conditional: bool = True,
    ) -> None:
        self._driver = driver
        self._blob = blob
        self._path = path
        self._mode = mode
        self._etag = etag
        self._lease = lease
        self.token = new_token()
        self._blocks: list[str] = []
        self._pending: set[asyncio.Future[Any]] = set()
        self._carry = b""  # a small old content (mode "a"), sent with the first data
        self._conditional_commit = conditional
        self._done = False
        self.size = 0
        driver.using(+1)

    def conditions(self) -> dict[str, Any]:
        """The commit's condition and lease: it only applies over the version seen on enter."""
        from azure.core import MatchConditions

        lease: dict[str, Any] = {} if self._lease is None else {"lease": self._lease.client}
        if not self._conditional_commit:
            return lease
        if self._etag is None:
            return {"match_condition": MatchConditions.IfMissing, **lease}
        return {"etag": self._etag, "match_condition": MatchConditions.IfNotModified, **lease}

    def _lease_arg(self) -> dict[str, Any]:
        return {} if self._lease is None else {"lease": self._lease.client}

    def _seam(self, *, commit: bool = False) -> Any:
        return seam(self._path, self._driver.where, commit=commit, create=self._mode == "x")

    def _next_id(self) -> str:
        if len(self._blocks) >= MAX_BLOCKS:
            raise OSError(
                errno.EFBIG,
                f"File too large: Azure commits at most {MAX_BLOCKS} blocks of "
                f"{self._driver.write_chunk} bytes (raise block_size) ({self._driver.where})",
                self._path,
            )
        block = block_id(self.token, len(self._blocks))
        self._blocks.append(block)
        return block

    # -- staging --------------------------------------------------------------------

    async def preload(self, size: int) -> None:
        """Mode ``a``: start the next version with the current content (``size`` bytes)."""
        url = self._driver.source_url(self._blob)
        if size <= self._driver.write_chunk or url is None:
            await self._preload_by_download(size)
        else:
            await self.stage_from_url(url, size)

    async def _preload_by_download(self, size: int) -> None:
        from azure.core import MatchConditions

        offset, chunk = 0, self._driver.write_chunk
        while offset < size:
            with seam(self._path, self._driver.where, pinned=True):
                stream = await self._blob.download_blob(
                    offset,
                    min(chunk, size - offset),
                    etag=self._etag,
                    match_condition=MatchConditions.IfNotModified,
                )
                data = await stream.readall()
            offset += len(data)
            if offset < size or len(data) == chunk:
                await self.write(data)
            else:
                self._carry, self.size = data, self.size + len(data)

    async def stage_from_url(self, url: str, size: int) -> None:
        """Stage bytes ``[0, size)`` of the blob at ``url`` as blocks, server-side."""
        for offset in range(0, size, URL_BLOCK):
            length = min(URL_BLOCK, size - offset)
            block = self._next_id()
            await self._start(
                self._blob.stage_block_from_url(
                    block, url, source_offset=offset, source_length=length, **self._lease_arg()
                )
            )
            self.size += length
        await self._drain()

    async def _start(self, upload: Any) -> None:
        """Run ``upload`` in the background, at most ``max_concurrency`` at once."""
        while len(self._pending) >= self._driver.concurrency:
            done, _ = await asyncio.wait(self._pending, return_when=asyncio.FIRST_COMPLETED)
            self._pending -= done
            for task in done:
                with self._seam():
                    task.result()
        self._pending.add(asyncio.ensure_future(upload))

    async def _drain(self) -> None:
        pending, self._pending = self._pending, set()
        if not pending:
            return
        try:
            with self._seam():
                await asyncio.gather(*pending)
        except BaseException:
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            raise

    async def write(self, data: bytes) -> None:
        added = len(data)
        if self._carry:
            data, self._carry = self._carry + data, b""
        block = self._next_id()
        await self._start(self._stage(block, data))
        self.size += added

    async def _stage(self, block: str, data: bytes) -> None:
        """One Put Block carrying its Content-MD5, which the service checks on arrival.

        The digest is end-to-end integrity for each block; it also spares Azurite the
        CRC64 it computes otherwise (in JavaScript: half its Put Block time). Large
        digests run in a worker thread (hashlib releases the GIL) beside the uploads.
        """
        if len(data) >= THREADED_DIGEST:
            digest = await asyncio.to_thread(_md5, data)
        else:
            digest = _md5(data)
        payload, length = body(data), len(data)
        del data  # one copy of the block in flight, not two
        await self._blob.stage_block(
            block, payload, length=length, transactional_content_md5=digest, **self._lease_arg()
        )

    # -- the end --------------------------------------------------------------------

    async def commit(self, tail: bytes) -> None:
        if self._carry:
            tail, self._carry = self._carry + tail, b""
        try:
            single = not self._blocks and len(tail) <= SINGLE_PUT_MAX
            if not single:
                for start in range(0, len(tail), self._driver.write_chunk):
                    await self.write(tail[start : start + self._driver.write_chunk])
                await self._drain()
            # The request and the read-back resolving a lost reply share one deadline.
            with self._seam(commit=True):
                conditions = self.conditions()
                await within(self._driver.timeout, lambda: self._send(single, tail, conditions))
        finally:
            await self.abort()

    async def _send(self, single: bool, tail: bytes, conditions: dict[str, Any]) -> None:
        """One commit request: a Put Blob (``single``) or a Put Block List.

        A conflict or a lost reply is resolved by reading the blob's metadata back: our
        token there means the commit went through. A blob removed by ``rm`` while we held
        it is recreated (docs/contract.md §7), create-only.
        """
        from azure.core import MatchConditions
        from azure.core.exceptions import AzureError
        from azure.storage.blob import BlobBlock

        metadata = {TOKEN_KEY: self.token}
        try:
            if single:
                await self._blob.upload_blob(
                    body(tail), overwrite=True, length=len(tail), metadata=metadata, **conditions
                )
            else:
                blocks = [BlobBlock(block) for block in self._blocks]
                await self._blob.commit_block_list(blocks, metadata=metadata, **conditions)
        except AzureError as exc:
            state = await self.outcome(exc)
            if state == "mine":
                return
            removed = state == "missing" and self._etag is not None and "etag" in conditions
            if not removed or not self._conditional_commit:
                raise
            await self._send(single, tail, {"match_condition": MatchConditions.IfMissing})

    async def outcome(self, exc: BaseException) -> str:
        """What a failed commit request (carrying this writer's token) really did.

        ``mine``: the blob carries our token, so the commit went through (its reply was
        lost, and the SDK's retry was refused or failed); ``missing``: no blob; ``other``:
        it did not commit, or the failure was no conflict and no lost reply. A failing
        read-back propagates: the commit's outcome stays unknown.
        """
        from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

        lost_reply = not isinstance(exc, HttpResponseError)
        if not (lost_reply or is_conflict(exc) or status(exc) == 404):
            return "other"
        try:
            props = await self._blob.get_blob_properties()
        except ResourceNotFoundError:
            return "missing"
        return "mine" if props.metadata.get(TOKEN_KEY) == self.token else "other"

    async def abort(self) -> None:
        """Drop what is staged (the service collects it) and release the lease.

        It runs to its end even if the caller is cancelled meanwhile: a cancelled write
        never leaves its lease to block the next writer.
        """
        await to_the_end(self._abort())

    async def _abort(self) -> None:
        self._blocks = []
        self._carry = b""
        pending, self._pending = self._pending, set()
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        lease, self._lease = self._lease, None
        try:
            if lease is not None:
                await lease.release()
        finally:
            if not self._done:
                self._done = True
                await self._driver.done_using()
