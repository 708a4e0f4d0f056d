"""Azure-specific behaviour on a real Azurite: aiofs 1.0 names, credentials, errors,
names and limits, container creation, conditional commits and leases."""

from __future__ import annotations

import asyncio
import os
from urllib.parse import urlsplit

import pytest

import aiofs
from aiofs.azure import AzFileSystem, AzureContainerConfig
from tests.servers import free_port
from tests.servers.azurite import ACCOUNT, KEY, new_container


def _container(url: str) -> str:
    return urlsplit(url).netloc


@pytest.fixture
async def raw(azurite):
    """The SDK's own client on the same Azurite, to look behind aiofs's back."""
    from azure.storage.blob.aio import BlobServiceClient

    async with BlobServiceClient.from_connection_string(azurite.connection_string) as client:
        yield client


# -- aiofs 1.0 compatibility ------------------------------------------------------------


async def test_v1_config_with_implied_azurite_credentials(azurite, raw):
    """§6: an empty account name with a non-Azure host is Azurite's dev account over http."""
    container = new_container()
    config = AzureContainerConfig("", "", container, host="127.0.0.1", port=azurite.port)
    fs = AzFileSystem(config)
    assert fs.template == f"http://127.0.0.1:{azurite.port}/{ACCOUNT}/{container}/{{}}"
    async with fs.open("dir/a.txt", "w") as f:
        await f.write(b"v1")
    assert await fs.ls() == ["dir/a.txt"]
    assert await fs.read_bytes("dir/a.txt") == b"v1"
    await fs.close()
    blob = raw.get_blob_client(container, "dir/a.txt")
    assert await (await blob.download_blob()).readall() == b"v1"


async def test_v1_file_pattern_maps_paths_to_blob_names(azurite, raw):
    """§6: file_pattern puts each path where '*' stands; other blobs stay invisible."""
    container = new_container()
    config = AzureContainerConfig(
        ACCOUNT, KEY, container, protocol="http", host="127.0.0.1", port=azurite.port
    )
    async with AzFileSystem(config, file_pattern="data/*.bin") as fs:
        assert fs.file_pattern == "data/*.bin"
        assert fs.template.endswith(f"/{container}/data/{{}}.bin")
        await fs.write_bytes("x/1", b"one")
        await fs.write_bytes("2", b"two")
        container_client = raw.get_container_client(container)
        await container_client.upload_blob("data/other.txt", b"not ours")
        await container_client.upload_blob("elsewhere.bin", b"not ours")
        names = sorted([b.name async for b in container_client.list_blobs()])
        assert names == ["data/2.bin", "data/other.txt", "data/x/1.bin", "elsewhere.bin"]
        assert await fs.ls() == ["2", "x/1"]
        assert [info.path async for info in fs.scan("x/*")] == ["x/1"]
        await fs.cp("2", "3")
        await fs.mv("3", "4")
        assert await fs.ls() == ["2", "4", "x/1"]
        assert await fs.rm("*") == 3
        assert [b.name async for b in container_client.list_blobs()] == [
            "data/other.txt",
            "elsewhere.bin",
        ]


def test_v1_config_and_fs_show_no_secrets(azurite):
    """§5: neither the config nor the file system shows the key."""
    config = AzureContainerConfig(ACCOUNT, KEY, "c", host="127.0.0.1", port=azurite.port)
    fs = AzFileSystem(config)
    for text in (repr(config), str(config), repr(fs), str(fs), fs.template):
        assert KEY not in text
    asyncio.run(fs.close())


def test_bad_file_pattern_and_options():
    """§4: a pattern without exactly one '*', or an unknown option, raises ValueError."""
    config = AzureContainerConfig("", "", "c", host="127.0.0.1", port=1)
    with pytest.raises(ValueError, match="file_pattern"):
        AzFileSystem(config, file_pattern="no-star")
    with pytest.raises(ValueError, match="Unknown option"):
        aiofs.open_fs("azure://c", connection_string="UseDevelopmentStorage=true", nope=1)
    with pytest.raises(ValueError, match="lock_ttl"):
        aiofs.open_fs("azure://c", connection_string="UseDevelopmentStorage=true", lock_ttl=5)


# -- credentials ------------------------------------------------------------------------


async def test_credentials_from_every_source(azurite, monkeypatch):
    """§5: connection string (option or env), account_url + key, a SAS token."""
    from datetime import datetime, timedelta, timezone

    from azure.storage.blob import AccountSasPermissions, ResourceTypes, generate_account_sas

    container = new_container()
    sas = generate_account_sas(
        ACCOUNT,
        KEY,
        ResourceTypes(service=True, container=True, object=True),
        AccountSasPermissions(read=True, write=True, delete=True, list=True, create=True),
        expiry=datetime.now(timezone.utc) + timedelta(hours=1),
    )
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite.connection_string)
    settings = [
        {"connection_string": azurite.connection_string},
        {},
        {"account_url": azurite.account_url, "account_key": KEY},
        {"account_url": azurite.account_url, "sas_token": sas},
    ]
    for i, options in enumerate(settings):
        async with aiofs.open_fs(f"azure://{container}/p", **options) as fs:
            await fs.write_bytes(f"f{i}", b"%d" % i)
            assert await fs.ls() == [f"f{j}" for j in range(i + 1)]
            for text in (repr(fs), str(fs)):
                assert KEY not in text and sas not in text
    async with aiofs.open_fs(
        f"azure://{container}/p", sas_token=sas, account_url=azurite.account_url
    ) as fs:
        await fs.cp("f0", "copy")  # server-side, with the SAS as the source's credential
        assert await fs.read_bytes("copy") == b"0"


def test_no_credentials_is_a_value_error(monkeypatch):
    monkeypatch.delenv("AZURE_STORAGE_CONNECTION_STRING", raising=False)
    with pytest.raises(ValueError, match="No Azure credentials"):
        aiofs.open_fs("azure://c/p")
    with pytest.raises(ValueError, match="exactly one"):
        aiofs.open_fs("azure://c", account_url="http://127.0.0.1:1/acct")


async def test_token_credential_object_is_accepted(azurite):
    """§5: a token credential object is taken as is; over plain http it is a ValueError."""

    class Token:
        async def get_token(self, *scopes, **kwargs):  # pragma: no cover - not called
            raise AssertionError

        async def close(self):  # pragma: no cover
            pass

    fs = aiofs.open_fs(
        "azure://c", account_url="https://a.blob.core.windows.net", credential=Token()
    )
    assert fs.template == "https://a.blob.core.windows.net/c/{}"
    await fs.close()
    with pytest.raises(ValueError, match="HTTPS"):
        aiofs.open_fs("azure://c", account_url=azurite.account_url, credential=Token())
    with pytest.raises(ValueError, match="token credential"):
        aiofs.open_fs("azure://c", account_url=azurite.account_url, credential=object())


# -- errors -----------------------------------------------------------------------------


async def test_wrong_key_is_permission_error_without_the_key(azurite):
    """§4: credentials refused -> PermissionError; no secret in the message or repr."""
    wrong = "d3Jvbmcga2V5IHdyb25nIGtleSB3cm9uZyBrZXkgd3Jvbmcga2V5IHdyb25nIGtleQ=="
    async with aiofs.open_fs(
        f"azure://{new_container()}", account_url=azurite.account_url, account_key=wrong
    ) as fs:
        for call in (
            lambda: fs.write_bytes("f", b"x"),
            lambda: fs.read_bytes("f"),
            lambda: fs.ls(),
            lambda: fs.stat("f"),
        ):
            with pytest.raises(PermissionError) as caught:
                await call()
            for text in (str(caught.value), repr(caught.value), str(caught.value.__cause__)):
                assert wrong not in text and KEY not in text
            assert isinstance(caught.value.__cause__, Exception)  # chained


async def test_unreachable_endpoint_is_connection_error():
    """§4: backend unreachable -> ConnectionError, quickly with retries off."""
    url = f"http://127.0.0.1:{free_port()}/{ACCOUNT}"
    async with aiofs.open_fs("azure://c", account_url=url, account_key=KEY, retry_total=0) as fs:
        with pytest.raises(ConnectionError) as caught:
            await fs.read_bytes("f")
        assert "unreachable" in str(caught.value)
        with pytest.raises(ConnectionError):
            async with fs.open("f", "w") as f:
                await f.write(b"x")


# -- names and limits -------------------------------------------------------------------

ODD_NAMES = ["with space", "100%", "a#b", "what?", "q?x=1&y=2", "Ünïcødé/文件/🎉", "a+b", "x[1]*"]


async def test_odd_names_round_trip_as_blob_names(azure_url, raw):
    """§1: spaces, %, #, ?, + and unicode are stored under exactly that blob name."""
    async with aiofs.open_fs(azure_url) as fs:
        for name in ODD_NAMES:
            async with fs.open(name, "w") as f:
                await f.write(name.encode())
        assert await fs.ls() == sorted(ODD_NAMES)
        for name in ODD_NAMES:
            assert await fs.read_bytes(name) == name.encode()
            assert (await fs.stat(name)).size == len(name.encode())
        container = raw.get_container_client(_container(azure_url))
        assert sorted([b.name async for b in container.list_blobs()]) == sorted(ODD_NAMES)


async def test_name_length_limit_is_enforced_by_aiofs(azurite):
    """Azure allows 1,024 characters (Azurite does not check): aiofs raises ValueError."""
    container = new_container()
    async with aiofs.open_fs(azurite.url(container, "pre")) as fs:
        longest = "/".join(["a" * 200] * 5) + "/" + "b" * 15  # 1,020 characters + "pre/"
        assert len("pre/" + longest) == 1024
        await fs.write_bytes(longest, b"ok")
        assert await fs.read_bytes(longest) == b"ok"
        too_long = longest + "c"  # a valid aiofs path, but a 1,025-character blob name
        for call in (
            lambda: fs.write_bytes(too_long, b"x"),
            lambda: fs.read_bytes(too_long),
            lambda: fs.exists(too_long),
        ):
            with pytest.raises(ValueError, match="1024"):
                await call()
        with pytest.raises(ValueError, match="1024"):
            async with fs.open(too_long, "w"):
                pass
        with pytest.raises(ValueError, match="254"):
            await fs.write_bytes("/".join(["s"] * 254), b"x")  # 255 segments with "pre"


async def test_container_is_created_on_first_use(azurite, raw):
    """§5: a missing container is created on first use, also by racing file systems."""
    container = new_container()
    url = azurite.url(container)
    systems = [aiofs.open_fs(url) for _ in range(4)]
    assert not await raw.get_container_client(container).exists()  # open_fs did no I/O
    await asyncio.gather(*(fs.write_bytes(f"f{i}", b"x") for i, fs in enumerate(systems)))
    assert await raw.get_container_client(container).exists()
    assert await systems[0].ls() == ["f0", "f1", "f2", "f3"]
    for fs in systems:
        await fs.close()


# -- commits, leases, reads -------------------------------------------------------------


async def test_small_commit_is_one_put_and_large_commit_stages_blocks(azure_url, raw):
    """A version that fits one block is one Put Blob; larger ones are staged blocks."""
    async with aiofs.open_fs(azure_url, block_size=256 << 10) as fs:
        async with fs.open("small", "w") as f:
            await f.write(b"s" * 1000)
        async with fs.open("big", "w") as f:
            for _ in range(5):
                await f.write(b"b" * (200 << 10))
        container = raw.get_container_client(_container(azure_url))
        small, _ = await container.get_blob_client("small").get_block_list("committed")
        big, _ = await container.get_blob_client("big").get_block_list("committed")
        assert small == []
        assert [block.size for block in big] == [256 << 10] * 3 + [(1000 - 768) << 10]
        assert {len(block.id) for block in big} == {48}  # the fixed block ID format
        assert await fs.read_bytes("big") == b"b" * (1000 << 10)


async def test_writer_holds_a_lease_and_releases_it(azure_url, raw):
    """A writer of an existing blob leases it; the lease is released at exit or on error."""
    async with aiofs.open_fs(azure_url) as fs:
        await fs.write_bytes("f", b"old")
        blob = raw.get_blob_client(_container(azure_url), "f")
        async with fs.open("f", "w") as f:
            assert (await blob.get_blob_properties()).lease.state == "leased"
            await f.write(b"new")
        assert (await blob.get_blob_properties()).lease.state == "available"
        with pytest.raises(KeyError):
            async with fs.open("f", "a"):
                raise KeyError
        assert (await blob.get_blob_properties()).lease.state == "available"
        assert await fs.read_bytes("f") == b"new"


async def test_rm_breaks_a_writers_lease_and_the_writer_recreates(azure_url):
    """contract §7: rm takes no writer lock; the writer's commit recreates the file."""
    async with aiofs.open_fs(azure_url) as fs:
        await fs.write_bytes("f", b"old")
        async with fs.open("f", "w") as f:
            await f.write(b"new")
            assert await fs.rm("f") == 1
            assert not await fs.exists("f")
        assert await fs.read_bytes("f") == b"new"


async def test_lost_x_race_is_file_exists(azure_url):
    """§2: an `x` writer whose file was created by someone else meanwhile: FileExistsError."""
    async with aiofs.open_fs(azure_url) as fs:
        with pytest.raises(FileExistsError):
            async with fs.open("f", "x") as f:
                await f.write(b"mine")
                await fs.write_bytes("f", b"theirs")
        assert await fs.read_bytes("f") == b"theirs"


async def test_reader_is_pinned_past_its_first_request(azure_url):
    """§2: ranged reads carry If-Match: a replaced blob gives a clear error, never a mix."""
    async with aiofs.open_fs(azure_url) as fs:
        await fs.write_bytes("f", b"a" * (1 << 20))
        async with fs.open("f") as f:
            assert await f.read(10) == b"a" * 10  # served by the first request
            await fs.write_bytes("f", b"b" * (1 << 20))
            with pytest.raises(BlockingIOError) as caught:
                await f.read()
            assert caught.value.filename == "f"


async def test_commit_after_a_lost_reply_is_not_reported_as_lost(azure_url, monkeypatch):
    """§2: a commit whose reply was lost, then refused on retry, counts as committed."""
    from azure.core.exceptions import ServiceResponseError
    from azure.storage.blob.aio import BlobClient

    real = BlobClient.upload_blob
    calls = []

    async def lose_reply(self, *args, **kwargs):
        calls.append(kwargs.get("match_condition"))
        result = await real(self, *args, **kwargs)
        if len(calls) == 1:
            raise ServiceResponseError("connection reset after the request was applied")
        return result

    async with aiofs.open_fs(azure_url) as fs:
        monkeypatch.setattr(BlobClient, "upload_blob", lose_reply)
        async with fs.open("f", "x") as f:
            await f.write(b"once")
        monkeypatch.undo()
        assert await fs.read_bytes("f") == b"once"
        assert len(calls) == 1


async def test_big_read_uses_parallel_ranges_and_big_cp_composes_blocks(azurite):
    """Large transfers: a ranged download over several requests; cp over 256 MiB would
    compose Put Block From URL; here the same path is forced with a small limit."""
    import aiofs._azure_driver as driver_module

    data = os.urandom(3 << 20)
    async with aiofs.open_fs(azurite.url(new_container()), max_concurrency=8) as fs:
        await fs.write_bytes("src", data)
        async with fs.open("src") as f:
            assert await f.read() == data
        limit = driver_module.MAX_SYNC_COPY
        driver_module.MAX_SYNC_COPY = 1 << 20
        try:
            await fs.cp("src", "dst")
        finally:
            driver_module.MAX_SYNC_COPY = limit
        assert await fs.read_bytes("dst") == data
