"""The Azure Blob Storage driver: block blobs through azure-storage-blob's aio client.

Decisions (docs/azure.md tells the why at more length):

* Writer exclusion. A writer of an existing blob takes a lease on it (``lock_ttl``,
  15-60 s, renewed while held): other writers fail to lease it (409) and ``write_bytes``,
  ``cp`` and ``mv`` onto it fail without the lease id (412) -> ``BlockingIOError`` on
  enter; a dead holder's lease expires. A blob that does not exist cannot be leased, so
  writers of a new file (and every ``x`` writer) are optimistic: the commit is
  create-only (``If-None-Match: *``) and of overlapping creators exactly one wins, the
  others get 409 (or 400 ``InvalidBlockList``: a commit drops every uncommitted block it
  does not name) -> ``BlockingIOError`` at exit. Leased commits also carry
  ``If-Match: <etag seen on enter>``, so an expired lease can never commit over another
  writer's version.
* Staging: each chunk the file object hands over becomes one Put Block, several in
  flight (``max_concurrency``); Put Block List commits at a clean exit. A version that fits
  in one chunk is one conditional Put Blob instead. Nothing is sent on error: the
  uncommitted blocks are garbage-collected by the service.
* Block IDs: 32 random hex characters per writer + the block's index in 16 decimal
  digits = 48 characters, base64-encoded by the SDK. Every block ID of a blob must have
  the same length, so this format never changes (the SDK's own uploads use 48 too).
* Every commit carries the writer's token in the blob's metadata. When a commit's reply
  is lost and the SDK's retry then fails its condition, reading the token back tells that
  the write did commit, so ``BlockingIOError`` always means "not committed".
* Readers pin the ETag seen on open: every ranged GET sends ``If-Match`` (412 ->
  ``BlockingIOError``), so a long read never mixes two versions.
* Azure's limits (1,024 characters, 254 segments, 50,000 blocks) are checked here:
  Azurite does not enforce them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from . import _errors, _paths
from ._azure_auth import Endpoint
from ._azure_errors import seam, status
from ._azure_io import SINGLE_PUT_MAX, TOKEN_KEY, AzReader, AzWriter, Lease
from ._deadline import within
from ._driver import Driver, Reader, WriteMode, Writer
from ._protocol import FileInfo

if TYPE_CHECKING:
    from azure.storage.blob.aio import BlobClient, BlobServiceClient, ContainerClient

MAX_NAME_CHARS = 1024
MAX_SEGMENTS = 254
#: Copy Blob From URL copies up to 256 MiB in one synchronous request.
MAX_SYNC_COPY = 256 << 20
#: What an open reader fetches with its first request (size, ETag and the first bytes).
HEAD = 64 << 10
PAGE = 5000


def _info(path: str, props: Any, size: int | None = None) -> FileInfo:
    modified: datetime = props.last_modified
    if modified.tzinfo is None:
        modified = modified.replace(tzinfo=timezone.utc)
    return FileInfo(
        path,
        props.size if size is None else size,
        modified.astimezone(timezone.utc),
        str(props.etag),
    )


def _total_size(content_range: str | None) -> int:
    """The blob's size from ``Content-Range: bytes 0-65535/123456``."""
    if not content_range or "/" not in content_range:
        raise ValueError("Content-Range missing from a ranged download")
    return int(content_range.rsplit("/", 1)[1])


class AzureDriver(Driver):
    """Blobs ``<head><path><tail>`` of one container (``head*tail`` = aiofs 1.0's pattern)."""

    def __init__(
        self,
        endpoint: Endpoint,
        container: str,
        file_pattern: str,
        *,
        block_size: int,
        max_concurrency: int,
        lock_ttl: int,
        timeout: float,
        client_options: dict[str, Any],
    ) -> None:
        from azure.storage.blob.aio import BlobServiceClient

        self._endpoint = endpoint
        self._container_name = container
        self._head, _, self._tail = file_pattern.partition("*")
        self.write_chunk = block_size
        self.max_readahead = max(4 << 20, block_size)
        self.concurrency = max_concurrency
        self.lock_ttl = lock_ttl
        #: The deadline of one request (retries included) and of a commit's resolution.
        self.timeout = timeout
        shown = f"{container}/{self._head}" if self._head else container
        self.where = f"azure://{shown} ({endpoint.account_name})"
        self._service: BlobServiceClient = BlobServiceClient(
            endpoint.account_url, credential=endpoint.sdk_credential(), **client_options
        )
        self._container: ContainerClient = self._service.get_container_client(container)
        self._ready = False
        self._ready_lock = asyncio.Lock()
        self._users = 0  # open readers and writers: close() waits for them
        self._closing = False

    # -- names ----------------------------------------------------------------------

    def blob_name(self, path: str) -> str:
        """The blob for ``path``; ``ValueError`` past Azure's name limits (before any I/O)."""
        name = f"{self._head}{path}{self._tail}"
        chars = len(name.encode("utf-16-le")) // 2
        if chars > MAX_NAME_CHARS:
            raise ValueError(
                f"Invalid path {path!r}: its blob name is {chars} characters long "
                f"(Azure allows at most {MAX_NAME_CHARS}) ({self.where})"
            )
        if name.count("/") + 1 > MAX_SEGMENTS:
            raise ValueError(
                f"Invalid path {path!r}: its blob name has more than {MAX_SEGMENTS} "
                f"'/'-separated segments (Azure's limit) ({self.where})"
            )
        return name

    def _path_of(self, name: str) -> str | None:
        if not name.startswith(self._head) or not name.endswith(self._tail):
            return None
        path = name[len(self._head) : len(name) - len(self._tail)]
        return path if _paths.is_valid_path(path) else None

    def _blob(self, path: str) -> BlobClient:
        return self._container.get_blob_client(self.blob_name(path))

    async def ensure_container(self) -> None:
        """Create the container on first use; a concurrent creator is fine."""
        if self._ready:
            return
        from azure.core.exceptions import HttpResponseError, ResourceExistsError

        async with self._ready_lock:
            if self._ready:
                return
            with seam(self._container_name, self.where):
                try:
                    await self._container.create_container()
                except ResourceExistsError:
                    pass
                except HttpResponseError as exc:
                    # A SAS scoped to the container may not create it; the real request
                    # will tell whether access is refused.
                    if status(exc) != 403:
                        raise
            self._ready = True

    # -- reading --------------------------------------------------------------------

    async def stat(self, path: str) -> FileInfo:
        blob = self._blob(path)
        await self.ensure_container()
        with seam(path, self.where):
            return _info(path, await blob.get_blob_properties())

    async def open_reader(self, path: str) -> Reader:
        from azure.core.exceptions import HttpResponseError

        blob = self._blob(path)
        await self.ensure_container()
        with seam(path, self.where):
            try:
                stream = await blob.download_blob(0, HEAD)
            except HttpResponseError as exc:
                if status(exc) != 416:  # an empty blob has no byte 0
                    raise
                return AzReader(self, blob, _info(path, await blob.get_blob_properties()), b"")
            head = await stream.readall()
        props = stream.properties
        return AzReader(self, blob, _info(path, props, _total_size(props.content_range)), head)

    async def read_bytes(self, path: str) -> bytes:
        blob = self._blob(path)
        await self.ensure_container()
        with seam(path, self.where):
            stream = await blob.download_blob(max_concurrency=self.concurrency)
        # Later chunks are pinned by the SDK to the first one's ETag.
        with seam(path, self.where, pinned=True):
            return await stream.readall()

    # -- writing --------------------------------------------------------------------

    async def open_writer(self, path: str, mode: WriteMode) -> Writer:
        from azure.core.exceptions import ResourceNotFoundError

        blob = self._blob(path)
        await self.ensure_container()
        if mode == "x":
            with seam(path, self.where):
                try:
                    await blob.get_blob_properties()
                except ResourceNotFoundError:
                    return AzWriter(self, blob, path, mode, None)
            raise _errors.exists(path, self.where)
        lease = await Lease.acquire(blob, self.lock_ttl, path, self.where)
        if lease is None:  # missing: nothing to lease; the commit is create-only
            if mode == "r+":
                raise _errors.not_found(path, self.where)
            return AzWriter(self, blob, path, mode, None)
        writer = AzWriter(self, blob, path, mode, lease.etag, lease)
        try:
            if mode == "a":
                with seam(path, self.where):
                    size = (await blob.get_blob_properties()).size
                if size:
                    await writer.preload(size)
        except BaseException:
            await writer.abort()
            raise
        return writer

    async def write_bytes(self, path: str, data: bytes) -> None:
        # Unconditional: one Put Blob (or blocks + one Put Block List) has no overlap window
        # of its own, and a writer's lease makes it fail with 412 while the path is held.
        blob = self._blob(path)
        await self.ensure_container()
        writer = AzWriter(self, blob, path, "w", None, conditional=False)
        try:
            if len(data) > SINGLE_PUT_MAX:
                view = memoryview(data)
                for start in range(0, len(data), self.write_chunk):
                    await writer.write(bytes(view[start : start + self.write_chunk]))
                data = b""
        except BaseException:
            await writer.abort()
            raise
        await writer.commit(data)

    # -- listing --------------------------------------------------------------------

    async def _pages(self, prefix: str, *, names_only: bool = False) -> AsyncIterator[list[Any]]:
        """Listing pages; ``names_only`` skips parsing each blob's properties (3x faster)."""
        start = f"{self._head}{prefix}"
        await self.ensure_container()
        lister = self._container.list_blob_names if names_only else self._container.list_blobs
        with seam(prefix or self._container_name, self.where):
            pages = lister(name_starts_with=start or None, results_per_page=PAGE).by_page()
            async for page in pages:
                yield [item async for item in page]

    async def list(self, prefix: str) -> AsyncIterator[Sequence[str]]:
        async for page in self._pages(prefix, names_only=True):
            names = [self._path_of(name) for name in page]
            found = [name for name in names if name is not None]
            if found:
                yield found

    async def list_info(
        self, prefix: str, keep: Callable[[str], bool]
    ) -> AsyncIterator[Sequence[FileInfo]]:
        async for page in self._pages(prefix):
            infos = []
            for item in page:
                path = self._path_of(item.name)
                if path is not None and keep(path):
                    infos.append(_info(path, item))
            if infos:
                yield infos

    async def delete(self, paths: Sequence[str]) -> int:
        from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
        from azure.storage.blob.aio import BlobLeaseClient

        blobs = [(path, self._blob(path)) for path in paths]
        await self.ensure_container()
        limit = asyncio.Semaphore(max(8, self.concurrency))

        async def one(path: str, blob: BlobClient) -> int:
            async with limit:
                with seam(path, self.where):
                    try:
                        await blob.delete_blob()
                    except ResourceNotFoundError:
                        return 0
                    except HttpResponseError as exc:
                        # rm takes no writer lock (docs/contract.md §7): break the
                        # writer's lease and delete anyway.
                        if status(exc) != 412:
                            raise
                        await BlobLeaseClient(blob).break_lease(lease_break_period=0)
                        try:
                            await blob.delete_blob()
                        except ResourceNotFoundError:
                            return 0
                    return 1

        return sum(await asyncio.gather(*(one(path, blob) for path, blob in blobs)))

    # -- copying --------------------------------------------------------------------

    def source_url(self, blob: BlobClient) -> str | None:
        """A URL of ``blob`` the service can read for a server-side copy, if any."""
        query = self._endpoint.read_sas(self._container_name, blob.blob_name)
        if query is None:
            return None
        return f"{blob.url.split('?', 1)[0]}?{query}"

    async def copy(self, src: str, dst: str) -> None:
        """Server-side copy onto ``dst``, conditional on both ``src``'s and ``dst``'s state."""
        from azure.core import MatchConditions
        from azure.core.exceptions import AzureError, ResourceNotFoundError

        source, target = self._blob(src), self._blob(dst)
        await self.ensure_container()
        url = self.source_url(source)
        if url is None:  # a token credential: no URL the service could read
            await super().copy(src, dst)
            return
        with seam(src, self.where):
            sprops = await source.get_blob_properties()
        with seam(dst, self.where):
            try:
                dprops = await target.get_blob_properties()
            except ResourceNotFoundError:
                dprops = None
        writer = AzWriter(self, target, dst, "w", None if dprops is None else str(dprops.etag))
        try:
            if sprops.size <= MAX_SYNC_COPY:

                async def send() -> None:
                    try:
                        await target.start_copy_from_url(
                            url,
                            requires_sync=True,
                            source_etag=sprops.etag,
                            source_match_condition=MatchConditions.IfNotModified,
                            metadata={TOKEN_KEY: writer.token},
                            **writer.conditions(),
                        )
                    except AzureError as exc:
                        # A lost reply, then a refused retry: our token on dst = copied.
                        if await writer.outcome(exc) != "mine":
                            raise

                with seam(dst, self.where, commit=True):
                    await within(self.timeout, send)
                return
            await writer.stage_from_url(url, sprops.size)
            with seam(src, self.where):
                now = await source.get_blob_properties()
            if now.etag != sprops.etag:  # the blocks may mix two versions of src
                raise _errors.busy(dst, self.where, f"{src!r} changed while it was copied")
            await writer.commit(b"")
        finally:
            await writer.abort()

    async def move(self, src: str, dst: str) -> None:
        """Copy then delete, holding ``src``'s writer lease: not atomic (no blob rename)."""
        from azure.core.exceptions import ResourceNotFoundError

        source = self._blob(src)
        await self.ensure_container()
        lease = await Lease.acquire(source, self.lock_ttl, src, self.where)
        if lease is None:
            raise _errors.not_found(src, self.where)
        try:
            await self.copy(src, dst)
            with seam(src, self.where):
                try:
                    await source.delete_blob(lease=lease.client)
                except ResourceNotFoundError:
                    pass
            await lease.stop()  # the blob, and its lease, are gone
        finally:
            await lease.release()

    def using(self, delta: int) -> None:
        self._users += delta

    async def done_using(self) -> None:
        self._users -= 1
        if self._closing and self._users == 0:
            await self._close_clients()

    async def close(self) -> None:
        """Close the clients now, or when the files opened before finish their blocks."""
        self._closing = True
        if self._users == 0:
            await self._close_clients()

    async def _close_clients(self) -> None:
        try:
            await self._service.close()
        finally:
            if self._endpoint.owns_credential:
                await self._endpoint.token_credential.close()
