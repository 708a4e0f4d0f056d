"""Redis backend: aiofs 1.0 compatibility, the key layout, URLs and options."""

from __future__ import annotations

import pytest
import redis.asyncio as redis_asyncio

import aiofs
from aiofs._redis_keys import KeyLayout, decode_path, encode_path
from aiofs.redis import RedisConfig, RedisFileSystem


@pytest.fixture
async def raw(redis_server):
    client = redis_asyncio.Redis(port=redis_server.port)
    yield client
    await client.aclose()


def _config(server, **kw) -> RedisConfig:
    return RedisConfig(host="127.0.0.1", port=server.port, **kw)


async def test_v1_constructor_layout_and_template(redis_server, raw):
    """1.0: RedisFileSystem(RedisConfig(...), file_pattern, expiry_s); '/' -> ':' in the pattern."""
    fs = RedisFileSystem(_config(redis_server), file_pattern="v1app:*")
    try:
        assert fs.template == "v1app:{}"
        async with fs.open("a/b.txt", "w") as f:
            await f.write(b"hello")
        assert await raw.get("v1app:a:b.txt") == b"hello"
        assert await fs.ls("a/*") == ["a/b.txt"]
    finally:
        await fs.close()
    await fs.close()  # idempotent
    with pytest.raises(RuntimeError):
        await fs.ls()


async def test_v1_data_without_metadata_is_read(redis_server, raw):
    """A value written by aiofs 1.0 (no meta key) is listed, stated and read."""
    await raw.set("legacy:dir:old.bin", b"12345", px=60_000)
    async with RedisFileSystem(_config(redis_server), file_pattern="legacy:*") as fs:
        assert await fs.ls() == ["dir/old.bin"]
        info = await fs.stat("dir/old.bin")
        assert info.size == 5 and info.etag
        assert await fs.read_bytes("dir/old.bin") == b"12345"
        async with fs.open("dir/old.bin") as f:
            await f.seek(2)
            assert await f.read(2) == b"34"
        assert (await fs.stat("dir/old.bin")).etag == info.etag
        assert 0 < await raw.pttl("legacy:{legacy:dir:old.bin}:meta") <= 60_000


@pytest.mark.parametrize(
    "path", ["a:b/c", "100%/x", "{tag}/y", "a%3Ab", "star*/q?[x]", "ümlaut/ ok", "a/b:c:d"]
)
def test_layout_is_reversible(path):
    """Names with ':' '%' '{' '}' map to distinct keys and back."""
    text = encode_path(path)
    assert "{" not in text and "}" not in text
    assert decode_path(text) == path
    layout = KeyLayout("app:*")
    keys = layout.keys(path)
    assert layout.path_of(keys.data) == path
    for side in (keys.meta, keys.lock, keys.stage("t"), keys.done("t")):
        assert layout.path_of(side) is None


def test_layout_shares_one_slot():
    """All keys of one file hash to one Cluster slot."""
    from redis.crc import key_slot

    keys = KeyLayout("app:*").keys("dir/a:b{c}.txt")
    slots = {key_slot(k.encode()) for k in (keys.data, keys.meta, keys.lock, keys.stage("x"))}
    assert len(slots) == 1


def test_bad_file_patterns():
    for pattern in ("app:", "a*b*", "{x}:*"):
        with pytest.raises(ValueError):
            RedisFileSystem(RedisConfig(), file_pattern=pattern)


async def test_names_with_colons_do_not_alias(redis_url):
    """'a:b' and 'a/b' are different files (1.0 mixed them up)."""
    async with aiofs.open_fs(redis_url) as fs:
        await fs.write_bytes("a:b", b"colon")
        await fs.write_bytes("a/b", b"slash")
        assert await fs.read_bytes("a:b") == b"colon"
        assert await fs.read_bytes("a/b") == b"slash"
        assert await fs.ls() == ["a/b", "a:b"]
        assert await fs.ls("a[:]*") == ["a:b"]


async def test_foreign_keys_are_not_listed(redis_server, raw):
    """Keys that are no encoded path, and non-string keys, stay out of listings."""
    await raw.set("mix:good", b"1")
    await raw.set("mix:bad%41", b"1")
    await raw.set("mix:a::b", b"1")
    await raw.hset("mix:hash", "f", "v")
    async with RedisFileSystem(_config(redis_server), file_pattern="mix:*") as fs:
        assert await fs.ls() == ["good"]
        assert not await fs.exists("hash")


async def test_expiry_applies_to_data_and_meta(redis_server, raw):
    async with RedisFileSystem(_config(redis_server), "exp:*", expiry_s=30) as fs:
        await fs.write_bytes("f", b"x")
        async with fs.open("g", "w") as f:
            await f.write(b"y")
        for key in ("exp:f", "exp:{exp:f}:meta", "exp:g", "exp:{exp:g}:meta"):
            assert 0 < await raw.pttl(key) <= 30_000, key


async def test_no_expiry_persists_after_swap(redis_url, redis_server, raw):
    """The staging key's TTL does not follow the data into place."""
    prefix = redis_url.split("prefix=")[1]
    async with aiofs.open_fs(redis_url) as fs:
        async with fs.open("f", "w") as f:
            await f.write(b"x" * (3 << 20))
        assert await raw.pttl(f"{prefix}f") == -1


def test_url_options_and_secrets():
    fs = aiofs.open_fs(
        "rediss://user:s3cr%40t@example.invalid:6380/2?prefix=p:&lock_ttl=5&timeout=2.5"
        "&pool_size=3&ssl_cert_reqs=none"
    )
    assert isinstance(fs, RedisFileSystem)
    assert fs.file_pattern == "p:*"
    assert fs.config.password == "s3cr@t"
    assert fs.config.db == 2
    for text in (repr(fs), str(fs), repr(fs.config), fs.where):
        assert "s3cr" not in text and "user" not in text
    assert "rediss://example.invalid:6380/2" in fs.where
    cluster = aiofs.open_fs("redis+cluster://h:7000", prefix="c:")
    assert isinstance(cluster, RedisFileSystem)
    assert "redis+cluster://h:7000" in cluster.where
    flagged = aiofs.open_fs("redis://h:1", cluster=True)
    assert isinstance(flagged, RedisFileSystem)
    assert "+cluster" in flagged.where
    with pytest.raises(ValueError):
        aiofs.open_fs("redis://h:1/0?bogus=1")
    with pytest.raises(ValueError):
        aiofs.open_fs("redis://h:1/0?prefix=a&file_pattern=b*")
    with pytest.raises(ValueError):
        aiofs.open_fs("redis://h:1/0?timeout=soon")
    with pytest.raises(ValueError):
        aiofs.open_fs("redis+cluster://h:1/3")


def test_config_query_carries_options():
    fs = RedisFileSystem(RedisConfig(query="lock_ttl=3&timeout=1"), "q:*")
    assert fs._driver.ttl_ms == 3000  # type: ignore[attr-defined]
    fs2 = aiofs.open_fs({"url": "redis://localhost/0", "expiry_s": "7"})
    assert isinstance(fs2, RedisFileSystem)
    assert fs2.expiry_s == 7.0
