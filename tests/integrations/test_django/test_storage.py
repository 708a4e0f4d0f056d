"""AiofsStorage: Django's Storage API, its async counterparts, and the threading design."""

from __future__ import annotations

import asyncio
import copy
import io
import os
import pickle
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pytest
from aiofs.integrations.django import AiofsStorage
from aiofs.integrations.django._storage import _LOOP
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

import aiofs


def test_save_open_exists_size_delete(media):
    """The sync API round-trips a file; reads stream from the stored version."""
    name = media.save("notes/hello.txt", ContentFile(b"hello world"))
    assert name == "notes/hello.txt"
    assert media.exists(name) and not media.exists("notes/other.txt")
    assert media.size(name) == 11
    with media.open(name) as f:
        assert f.read(5) == b"hello"
        assert f.size == 11
        assert f.read() == b" world"
    assert b"".join(media.open(name).chunks(chunk_size=4)) == b"hello world"
    media.delete(name)
    media.delete(name)  # deleting a missing file is not an error, as in Django
    assert not media.exists(name)
    with pytest.raises(FileNotFoundError):
        media.open(name)


def test_no_overwrite_by_default_and_file_overwrite(media, backend_url):
    """A taken name gets Django's alternative name; file_overwrite=True replaces."""
    first = media.save("a/report.pdf", ContentFile(b"1"))
    second = media.save("a/report.pdf", ContentFile(b"2"))
    assert first == "a/report.pdf" and second != first
    assert second.startswith("a/report_") and second.endswith(".pdf")
    assert media.open(first).read() == b"1" and media.open(second).read() == b"2"
    truncated = media.get_available_name("a/report.pdf", max_length=16)
    assert len(truncated) <= 16 and truncated.endswith(".pdf")

    replacing = AiofsStorage(backend_url, file_overwrite=True)
    try:
        assert replacing.exists(first)  # exists() stays truthful (Django 5.1 semantics)
        assert replacing.get_available_name(first) == first
        assert replacing.save(first, ContentFile(b"3")) == first
        assert media.open(first).read() == b"3"
    finally:
        replacing.close()


def test_listdir_from_flat_names(media):
    """listdir returns the direct sub-'directories' and files of a prefix."""
    for name in ["d/x.txt", "d/sub/y.txt", "d/sub/deeper/z.txt", "d/other/w.txt", "top.txt"]:
        media.save(name, ContentFile(b"."))
    assert media.listdir("d") == (["other", "sub"], ["x.txt"])
    assert media.listdir("d/sub/") == (["deeper"], ["y.txt"])
    dirs, files = media.listdir("")
    assert "d" in dirs and "top.txt" in files
    assert media.listdir("nothing-here") == ([], [])


def test_names_and_urls(media):
    """Django names map to aiofs paths; escapes are suspicious; url quotes the name."""
    for bad in ["../etc/passwd", "/abs.txt", "a//b.txt", "a/./b"]:
        with pytest.raises(SuspiciousFileOperation):
            media.exists(bad)
    with pytest.raises(SuspiciousFileOperation):
        media.save("../x.txt", ContentFile(b"x"))
    assert media.url("docs/my file#1.txt") == "/media/docs/my%20file%231.txt"
    name = media.save("weird/b[1]*.txt", ContentFile(b"glob chars are literal"))
    media.save("weird/b1x.txt", ContentFile(b"not matched by the literal name"))
    media.delete(name)
    assert media.listdir("weird") == ([], ["b1x.txt"])


def test_times_follow_use_tz(media, backend_name):
    """Times are aware UTC with USE_TZ, naive local time without."""
    name = media.save("t.txt", ContentFile(b"t"))
    modified = media.get_modified_time(name)
    assert modified.tzinfo is not None and modified.utcoffset().total_seconds() == 0
    assert abs(datetime.now(timezone.utc) - modified).total_seconds() < 300
    with override_settings(USE_TZ=False):
        assert media.get_modified_time(name).tzinfo is None
    if backend_name == "local":
        assert media.get_created_time(name).tzinfo is not None
        assert media.get_accessed_time(name).tzinfo is not None
        assert os.path.isfile(media.path(name))
    else:
        with pytest.raises(NotImplementedError):
            media.get_accessed_time(name)
        with pytest.raises(NotImplementedError):
            media.path(name)


def test_write_mode_commits_at_close_and_discards_on_error(media):
    """storage.open(name, 'wb') builds a version committed at close; an error discards it."""
    with media.open("w/data.bin", "wb") as f:
        f.write(b"abc")
        f.write(bytearray(b"def"))
        assert f.size == 6
    assert media.open("w/data.bin").read() == b"abcdef"
    with pytest.raises(KeyError), media.open("w/data.bin", "wb") as f:
        f.write(b"half")
        raise KeyError
    assert media.open("w/data.bin").read() == b"abcdef"
    with media.open("w/text.txt", "w") as f:
        f.write("héllo\n")
    with media.open("w/text.txt", "r") as f:
        assert f.read() == "héllo\n"
    with pytest.raises(ValueError, match="Unsupported mode"):
        media.open("w/data.bin", "r+b")


def test_uploaded_file_streams_in_chunks(media):
    """An uploaded file (here 3 MiB, from a temporary file) is saved chunk by chunk."""
    payload = os.urandom(3 << 20)
    upload = SimpleUploadedFile("big.bin", payload)
    name = media.save("up/big.bin", upload)
    assert media.size(name) == len(payload)
    with media.open(name) as f:
        f.seek(2 << 20)
        assert f.read(10) == payload[2 << 20 : (2 << 20) + 10]


def test_deconstructs_and_copies_without_sharing_loops(backend_url):
    """Migrations see the import path and options; copies rebuild their own file systems."""
    storage = AiofsStorage(backend_url, base_url="/m/")
    path, args, kwargs = storage.deconstruct()
    assert path == "aiofs.integrations.django.AiofsStorage"
    assert (args, kwargs) == ((backend_url,), {"base_url": "/m/"})
    storage.exists("x")
    clone = copy.deepcopy(storage)
    again = pickle.loads(pickle.dumps(storage))
    for other in (clone, again):
        assert other.url_setting == storage.url_setting and other.fs is not storage.fs
        other.close()
    storage.close()


def test_url_falls_back_to_setting_then_media_root(tmp_path):
    """Without a url option: the AIOFS_URL setting, else MEDIA_ROOT on the local disk."""
    with override_settings(AIOFS_URL="memory://from-setting"):
        assert AiofsStorage().url_setting == "memory://from-setting"
    with override_settings(MEDIA_ROOT=str(tmp_path / "media")):
        storage = AiofsStorage()
        try:
            storage.save("m.txt", ContentFile(b"m"))
            assert (tmp_path / "media" / "m.txt").read_bytes() == b"m"
        finally:
            storage.close()
    unnamed = AiofsStorage("memory://")
    assert unnamed.url_setting.startswith("memory://django-")  # both sides share it


async def test_async_api_on_the_running_loop(media):
    """asave/aopen/aexists/asize/alistdir/aget_modified_time/adelete, on this loop."""
    name = await media.asave("as/one.txt", ContentFile(b"async bytes"))
    assert name == "as/one.txt"
    again = await media.asave("as/one.txt", ContentFile(b"second"))
    assert again != name and again.startswith("as/one_")
    assert await media.aexists(name) and await media.asize(name) == 11
    async with media.aopen(name) as f:
        assert await f.read(5) == b"async"
    async with media.aopen("as/two.bin", "wb") as f:
        await f.write(b"written async")
    assert media.open("as/two.bin").read() == b"written async"  # seen by the sync side
    assert await media.alistdir("as") == ([], sorted(["one.txt", again[3:], "two.bin"]))
    modified = await media.aget_modified_time(name)
    assert modified.tzinfo is not None
    await media.adelete(name)
    assert not await media.aexists(name)
    assert (await media.afs()) is (await media.afs())  # one file system per loop


async def test_sync_api_from_the_loop_thread_and_many_threads(media):
    """The sync API works while this loop runs: from its thread and 8 threads at once."""
    media.save("th/seed.txt", ContentFile(b"seed"))  # on the loop thread: no deadlock
    assert media.exists("th/seed.txt")

    def work(i: int) -> bytes:
        name = media.save(f"th/{i}.txt", ContentFile(f"thread {i}".encode()))
        with media.open(name) as f:
            return f.read()

    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(8) as pool:
        sync_side = [loop.run_in_executor(pool, work, i) for i in range(24)]
        async_side = [media.asave(f"th/a{i}.txt", ContentFile(b"a")) for i in range(24)]
        results = await asyncio.gather(*sync_side, *async_side)
    assert results[:24] == [f"thread {i}".encode() for i in range(24)]
    _, files = await media.alistdir("th")
    assert len(files) == 49


def test_blocking_call_on_the_private_loop_is_refused(media):
    """Waiting on the private loop from its own thread would deadlock: RuntimeError."""

    async def inside() -> None:
        media.exists("x")

    with pytest.raises(RuntimeError, match="deadlock"):
        _LOOP.run(inside())


@pytest.mark.parametrize("in_process", ["memory_url", "local_url"])
async def test_async_api_does_not_block_the_loop(request, in_process):
    """No blocking call runs on the event loop during the async API (blockbuster).

    Checked on the in-process backends: for network backends the client library's own
    I/O is the backend's concern.
    """
    from blockbuster import blockbuster_ctx

    media = AiofsStorage(request.getfixturevalue(in_process))

    await media.afs()  # opening connections/dirs on first use is outside the check
    content = ContentFile(b"x" * 300_000)
    with blockbuster_ctx(["aiofs.integrations", "aiofs"]):
        name = await media.asave("bb/x.bin", content)
        async with media.aopen(name) as f:
            assert len(await f.read()) == 300_000
        assert await media.alistdir("bb") == ([], ["x.bin"])
        await media.adelete(name)
    await media.aclose()


def test_readers_stream_bounded(media):
    """A read of 4 bytes from a large stored file does not fetch it all into memory."""
    media.save("big/blob.bin", ContentFile(b"\0" * (8 << 20)))
    with media.open("big/blob.bin") as f:
        f.seek(5 << 20)
        assert f.read(4) == b"\0\0\0\0"
        raw = f.file.raw
        assert isinstance(raw, io.RawIOBase)


def test_storages_close_without_warnings(backend_url):
    """Dropped storages close their file systems (no ResourceWarning, no thread left)."""
    import gc

    before = threading.active_count()
    for _ in range(3):
        storage = AiofsStorage(backend_url)
        storage.save("gc.txt", ContentFile(b"gc"))
        del storage
        gc.collect()
    assert threading.active_count() <= before + 1  # only the shared private loop thread

    async def stored() -> bool:
        async with aiofs.open_fs(backend_url) as fs:
            return await fs.exists("gc.txt")

    assert asyncio.run(stored())


def test_process_exits_cleanly_with_files_left_open(tmp_path):
    """At exit the private loop closes the file systems; files left open do not hang it."""
    import subprocess
    import sys

    script = f"""
import asyncio, django
from django.conf import settings
settings.configure(USE_TZ=True)
django.setup()
from django.core.files.base import ContentFile
from aiofs.integrations.django import AiofsStorage
storages = [AiofsStorage("memory://exit"), AiofsStorage("file://{tmp_path}")]
for storage in storages:
    storage.save("a.txt", ContentFile(b"x"))
    reader = storage.open("a.txt")
    writer = storage.open("never-closed.txt", "wb")
    writer.write(b"uncommitted")
async def main():
    for storage in storages:
        await storage.asave("b.txt", ContentFile(b"y"))
asyncio.run(main())
print("done")
"""
    done = subprocess.run(
        [sys.executable, "-X", "dev", "-W", "error", "-c", script],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "done", "")
    assert (tmp_path / "a.txt").is_file() and not (tmp_path / "never-closed.txt").exists()
