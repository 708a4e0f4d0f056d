"""CONTRACT §6: code written against aiofs 1.0 runs unchanged."""

from __future__ import annotations

import pytest

import aiofs


def test_aiofs_1_names_import():
    """§6: `from aiofs import FileLike, FileLikeSystem` and the 1.0 backend modules work."""
    from aiofs import FileLike, FileLikeSystem
    from aiofs.inmem import InMemFileSystem
    from aiofs.os import OsFileSystem

    assert FileLike is aiofs.FileLike
    assert FileLikeSystem is aiofs.FileLikeSystem
    assert issubclass(InMemFileSystem, aiofs.FileSystem)
    assert issubclass(OsFileSystem, aiofs.FileSystem)


async def test_os_file_system_template(tmp_path):
    """§6: OsFileSystem(template="/root/{}") stores under root and keeps `.template`."""
    from aiofs.os import OsFileSystem

    template = f"{tmp_path}/data/{{}}"
    fs = OsFileSystem(template=template)
    assert fs.template == template
    async with fs.open("x/y.txt", "w") as f:
        await f.write(b"one")
    assert (tmp_path / "data" / "x" / "y.txt").read_bytes() == b"one"
    assert await fs.ls() == ["x/y.txt"]
    await fs.close()
    positional = OsFileSystem(template)
    assert positional.template == template
    await positional.close()


@pytest.mark.parametrize("template", ["/no/placeholder", "/a/{}/b", "/a{}", "{}{}", 3])
def test_os_file_system_bad_template(template):
    """§6: a template that does not end with `/{}` is refused with ValueError."""
    from aiofs.os import OsFileSystem

    with pytest.raises(ValueError):
        OsFileSystem(template=template)


async def test_in_mem_file_system_default():
    """§6: InMemFileSystem() is a fresh private store."""
    from aiofs.inmem import InMemFileSystem

    one, two = InMemFileSystem(), InMemFileSystem()
    await one.write_bytes("f", b"1")
    assert not await two.exists("f")
    async with one.open("f") as f:
        assert await f.read() == b"1"
    await one.close()
    await two.close()


async def test_open_both_forms(fs):
    """§6: `f = fs.open(); async with f:` and `async with fs.open() as f:` both work."""
    f = fs.open("compat.txt", "w")
    async with f:
        await f.write(b"first form")
    async with fs.open("compat.txt") as g:
        assert await g.read() == b"first form"
    f = fs.open("compat.txt")
    async with f:
        assert await f.read() == b"first form"


async def test_r_plus_read_modify_write(fs):
    """§6: `r+` reads the current content, writes the complete new content, as in 1.0."""
    await fs.write_bytes("state.json", b'{"n": 1}')
    async with fs.open("state.json", "r+") as f:
        current = await f.read()
        await f.write(current.replace(b"1", b"2"))
    assert await fs.read_bytes("state.json") == b'{"n": 2}'


async def test_ls_star_crosses_slashes(fs):
    """§6: ls with `*` matches across `/`, as aiofs 1.0 did."""
    for name in ["a/b/c", "a/d", "ab", "b/a"]:
        await fs.write_bytes(name, b"")
    assert await fs.ls("a*") == ["a/b/c", "a/d", "ab"]
    assert await fs.ls("*") == ["a/b/c", "a/d", "ab", "b/a"]
    assert await fs.ls("*c") == ["a/b/c"]


async def test_close(fs_url):
    """§6: close() exists on every file system, as in 1.0."""
    fs = aiofs.open_fs(fs_url)
    await fs.close()


async def test_1_0_style_program(tmp_path):
    """§6: a typical aiofs 1.0 program runs unchanged on OsFileSystem and InMemFileSystem."""
    from aiofs import FileLikeSystem
    from aiofs.inmem import InMemFileSystem
    from aiofs.os import OsFileSystem

    async def program(fs: FileLikeSystem) -> list[str]:
        f = fs.open("jobs/1.txt", "w")
        async with f:
            await f.write(b"queued")
        async with fs.open("jobs/1.txt", "r+") as f:
            state = await f.read()
            await f.write(state.replace(b"queued", b"done"))
        async with fs.open("jobs/1.txt", "rb") as f:
            assert await f.read() == b"done"
        names = await fs.ls("jobs/*")
        await fs.rm("jobs/*")
        return names

    for fs in (OsFileSystem(template=f"{tmp_path}/{{}}"), InMemFileSystem()):
        assert await program(fs) == ["jobs/1.txt"]
        assert await fs.ls() == []
        await fs.close()
