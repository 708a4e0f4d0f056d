"""Azure Blob clients (against Azurite): the raw SDK, adlfs, obstore, OpenDAL."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

from .._servers import AZURITE_ACCOUNT, AZURITE_KEY, azurite_connection_string
from . import Client
from .local import ObstoreClient, OpendalClient


class RawAzure(Client):
    """``azure.storage.blob.aio``: upload_blob / download_blob / list_blobs / copy."""

    backend = "azure"
    name = "raw"

    def __init__(self, port: int, container: str) -> None:
        self._port, self._container = port, container

    async def start(self) -> None:
        from azure.core.exceptions import ResourceExistsError
        from azure.storage.blob.aio import BlobServiceClient

        self.service: Any = BlobServiceClient.from_connection_string(
            azurite_connection_string(self._port)
        )
        self.cc = self.service.get_container_client(self._container)
        try:
            await self.cc.create_container()
        except ResourceExistsError:
            pass

    async def close(self) -> None:
        await self.service.close()

    async def write(self, path: str, data: bytes) -> None:
        await self.cc.upload_blob(path, data, overwrite=True)

    async def read(self, path: str) -> bytes:
        stream = await self.cc.download_blob(path)
        data: bytes = await stream.readall()
        return data

    async def ranged(self, path: str, offsets: Sequence[int], size: int) -> int:
        blob, total = self.cc.get_blob_client(path), 0
        for offset in offsets:
            stream = await blob.download_blob(offset=offset, length=size)
            total += len(await stream.readall())
        return total

    async def ls(self, prefix: str) -> list[str]:
        return sorted(
            [name async for name in self.cc.list_blob_names(name_starts_with=f"{prefix}/")]
        )

    async def cp(self, src: str, dst: str) -> None:
        source = self.cc.get_blob_client(src).url
        await self.cc.get_blob_client(dst).start_copy_from_url(source, requires_sync=True)

    async def mv(self, src: str, dst: str) -> None:
        await self.cp(src, dst)
        await self.cc.delete_blob(src)

    async def contend(self, path: str, data: bytes) -> bool:
        await self.write(path, data)  # no exclusion: every upload "wins"
        return True


class AdlfsAzure(Client):
    """adlfs (fsspec) in asynchronous mode."""

    backend = "azure"
    name = "fsspec"

    def __init__(self, port: int, container: str) -> None:
        self._port, self._container = port, container

    async def start(self) -> None:
        from adlfs import AzureBlobFileSystem

        self.fs: Any = AzureBlobFileSystem(
            connection_string=azurite_connection_string(self._port),
            asynchronous=True,
            skip_instance_cache=True,
        )
        try:
            await self.fs._mkdir(self._container)
        except FileExistsError:
            pass

    async def close(self) -> None:
        await self.fs.service_client.close()
        # adlfs registers finalizers that would close it again on a loop that is gone.
        for finalizer in list(weakref.finalize._registry):  # type: ignore[attr-defined]
            info = finalizer.peek()
            if info is not None and info[0] is self.fs:
                finalizer.detach()

    def p(self, path: str) -> str:
        return f"{self._container}/{path}"

    async def write(self, path: str, data: bytes) -> None:
        await self.fs._pipe_file(self.p(path), data)

    async def read(self, path: str) -> bytes:
        data: bytes = await self.fs._cat_file(self.p(path))
        return data

    async def ranged(self, path: str, offsets: Sequence[int], size: int) -> int:
        target, total = self.p(path), 0
        for offset in offsets:
            total += len(await self.fs._cat_file(target, start=offset, end=offset + size))
        return total

    async def ls(self, prefix: str) -> list[str]:
        names = await self.fs._ls(self.p(prefix), detail=False, invalidate_cache=True)
        return sorted(names)

    async def cp(self, src: str, dst: str) -> None:
        await self.fs._cp_file(self.p(src), self.p(dst))


def obstore_azure(port: int, container: str) -> ObstoreClient:
    from obstore.store import AzureStore

    def make() -> Any:
        return AzureStore(
            container_name=container,
            account_name=AZURITE_ACCOUNT,
            access_key=AZURITE_KEY,
            endpoint=f"http://127.0.0.1:{port}/{AZURITE_ACCOUNT}",
            client_options={"allow_http": True},
        )

    return ObstoreClient("azure", make)


def opendal_azure(port: int, container: str) -> OpendalClient:
    return OpendalClient(
        "azure",
        "azblob",
        container=container,
        endpoint=f"http://127.0.0.1:{port}/{AZURITE_ACCOUNT}",
        account_name=AZURITE_ACCOUNT,
        account_key=AZURITE_KEY,
        root="/",
    )
