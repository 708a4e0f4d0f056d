"""CONTRACT §5: choosing a backend from settings with open_fs."""

from __future__ import annotations

import sys
import textwrap

import pytest

import aiofs
from aiofs.inmem import InMemFileSystem
from aiofs.os import OsFileSystem


async def test_open_fs_gives_a_working_file_system(fs_url):
    """§5: open_fs(url) returns a FileLikeSystem for every backend of the matrix."""
    fs = aiofs.open_fs(fs_url)
    try:
        assert isinstance(fs, aiofs.FileSystem)
        await fs.write_bytes("hello", b"world")
        assert await fs.read_bytes("hello") == b"world"
    finally:
        await fs.close()


async def test_open_fs_mapping_form(fs_url):
    """§5: open_fs also accepts a mapping {"url": ..., **options}."""
    async with aiofs.open_fs({"url": fs_url}) as fs:
        await fs.write_bytes("m", b"mapping")
    async with aiofs.open_fs(fs_url) as fs:
        assert await fs.read_bytes("m") == b"mapping"


async def test_unknown_option_is_value_error(fs_url):
    """§5: an unknown option, as keyword or query parameter, raises ValueError."""
    with pytest.raises(ValueError, match="no_such_option"):
        aiofs.open_fs(fs_url, no_such_option=1)
    with pytest.raises(ValueError, match="no_such_option"):
        aiofs.open_fs({"url": fs_url, "no_such_option": 1})
    sep = "&" if "?" in fs_url else "?"
    with pytest.raises(ValueError, match="no_such_option"):
        aiofs.open_fs(f"{fs_url}{sep}no_such_option=1")


@pytest.mark.parametrize(
    "url",
    ["nosuch://x", "memoryx://", "ftp://host/path", "s3://bucket"],
)
def test_unknown_scheme_is_value_error(url):
    """§5: an unknown URL scheme raises ValueError naming it and the known ones."""
    with pytest.raises(ValueError) as excinfo:
        aiofs.open_fs(url)
    message = str(excinfo.value)
    assert repr(url.split("://")[0]) in message
    assert "memory" in message and "file" in message
    assert "aiofs.backends" in message


@pytest.mark.parametrize("url", ["", "memory", "/srv/data", "file:/x", None, 42, {}])
def test_malformed_url_is_value_error(url):
    """§5: something that is not a `scheme://` URL (or a mapping without `url`) is ValueError."""
    with pytest.raises(ValueError):
        aiofs.open_fs(url)


def test_scheme_is_case_insensitive():
    """§5: URL schemes are case-insensitive, as RFC 3986 says."""
    assert isinstance(aiofs.open_fs("MEMORY://"), InMemFileSystem)


async def test_memory_names_share_one_store():
    """§5: memory://name shares one store per name; memory:// is always a fresh private one."""
    a1 = aiofs.open_fs("memory://registry-share")
    a2 = aiofs.open_fs("memory://registry-share")
    b = aiofs.open_fs("memory://registry-other")
    p1, p2 = aiofs.open_fs("memory://"), aiofs.open_fs("memory://")
    try:
        await a1.write_bytes("f", b"shared")
        assert await a2.read_bytes("f") == b"shared"
        assert not await b.exists("f")
        await p1.write_bytes("f", b"private")
        assert not await p2.exists("f")
        assert isinstance(a1, InMemFileSystem)
    finally:
        await a1.rm("*")
        for fs in (a1, a2, b, p1, p2):
            await fs.close()


def test_memory_rejects_options():
    """§5: memory:// takes no options."""
    with pytest.raises(ValueError):
        aiofs.open_fs("memory://x?size=1")


async def test_file_url_absolute_root_created_on_first_use(tmp_path):
    """§5: file:///abs/root is rooted there, and open_fs does no I/O: created on first use."""
    root = tmp_path / "not" / "yet"
    fs = aiofs.open_fs(f"file://{root}")
    assert isinstance(fs, OsFileSystem)
    assert not root.exists()
    await fs.write_bytes("a/b", b"x")
    assert (root / "a" / "b").read_bytes() == b"x"
    await fs.close()


async def test_file_url_relative_root(tmp_path, monkeypatch):
    """§5: file://relative/root is relative to the working directory."""
    monkeypatch.chdir(tmp_path)
    async with aiofs.open_fs("file://rel/root") as fs:
        await fs.write_bytes("f", b"rel")
    assert (tmp_path / "rel" / "root" / "f").read_bytes() == b"rel"


async def test_file_url_percent_encoding(tmp_path):
    """§5: a file:// URL is percent-decoded (a root with a space)."""
    async with aiofs.open_fs(f"file://{tmp_path}/with%20space") as fs:
        await fs.write_bytes("f", b"x")
    assert (tmp_path / "with space" / "f").exists()


@pytest.mark.parametrize("value", ["true", "1", "yes", True])
async def test_query_options(tmp_path, value):
    """§5: options come as query parameters or keywords; keywords win."""

    def fsync(fs: aiofs.FileLikeSystem) -> bool:
        assert isinstance(fs, OsFileSystem)
        return bool(fs._driver._fsync)  # type: ignore[attr-defined]

    assert fsync(aiofs.open_fs(f"file://{tmp_path}/q?fsync={value}")) is True
    assert fsync(aiofs.open_fs(f"file://{tmp_path}/q?fsync={value}", fsync=False)) is False
    assert fsync(aiofs.open_fs({"url": f"file://{tmp_path}/q", "fsync": value})) is True


def test_open_fs_does_no_io_for_unreachable_servers():
    """§5: open_fs does no I/O: an unreachable Redis or Azure endpoint fails only on use."""
    targets = [
        ("redis://127.0.0.1:1/0", {}),
        (
            "azure://container/prefix",
            {
                "connection_string": "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
                "AccountKey=c2VjcmV0;BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;"
            },
        ),
    ]
    for url, options in targets:
        fs = aiofs.open_fs(url, **options)
        assert repr(fs)


def test_secrets_never_in_repr():
    """§5: secrets in the URL or options never appear in repr() or str()."""
    candidates = [
        aiofs.open_fs("redis://user:s3cr3t-pw@127.0.0.1:1/0"),
        aiofs.open_fs(
            "azure://container",
            connection_string="DefaultEndpointsProtocol=http;AccountName=acct;"
            "AccountKey=s3cr3t-pw;BlobEndpoint=http://127.0.0.1:1/acct;",
        ),
    ]
    for fs in candidates:
        assert "s3cr3t-pw" not in repr(fs)
        assert "s3cr3t-pw" not in str(fs)


@pytest.mark.parametrize(
    ("url", "modules", "extra"),
    [
        ("redis://127.0.0.1:1/0", ["redis", "aiofs.redis", "aiofs._redis"], "redis"),
        (
            "azure://container",
            ["azure.storage.blob", "aiofs.azure", "aiofs._azure"],
            "azure",
        ),
    ],
)
def test_missing_extra_names_the_pip_command(monkeypatch, url, modules, extra):
    """§5 / §4: a backend whose extra is missing raises ImportError naming the pip install."""
    for name in list(sys.modules):
        if name.startswith("aiofs.") and any(name.startswith(m) for m in modules[1:]):
            monkeypatch.delitem(sys.modules, name)
            package, _, attr = name.rpartition(".")
            if package in sys.modules:  # `from . import x` looks at the package first
                monkeypatch.delattr(sys.modules[package], attr, raising=False)
    for name in [modules[0], *(m for m in sys.modules if m.startswith(modules[0] + "."))]:
        monkeypatch.setitem(sys.modules, name, None)  # `import <dep>` now fails
    with pytest.raises(ImportError) as excinfo:
        aiofs.open_fs(url)
    assert f'pip install "aiofs[{extra}]"' in str(excinfo.value)
    assert isinstance(excinfo.value.__cause__, ImportError)


def test_import_aiofs_imports_no_backend_extra():
    """§5: `import aiofs` stays cheap: no optional dependency is imported by it."""
    import subprocess

    code = (
        "import sys, aiofs; aiofs.open_fs('memory://'); "
        "print([m for m in ('redis', 'azure', 'aiohttp', 'aiofs.redis', 'aiofs.azure') "
        "if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.fixture
def plugin_dist(tmp_path, monkeypatch):
    """A real installed distribution (a .dist-info on sys.path) with an aiofs.backends entry."""
    site = tmp_path / "site"
    (site / "aiofs_demo_backend-1.0.dist-info").mkdir(parents=True)
    (site / "aiofs_demo_backend-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: aiofs-demo-backend\nVersion: 1.0\n"
    )
    (site / "aiofs_demo_backend-1.0.dist-info" / "entry_points.txt").write_text(
        "[aiofs.backends]\ndemo = aiofs_demo_backend:from_url\n"
    )
    (site / "aiofs_demo_backend.py").write_text(
        textwrap.dedent(
            """
            from aiofs.inmem import InMemFileSystem

            calls = []

            def from_url(url, **options):
                calls.append((url, options))
                return InMemFileSystem("demo-plugin")
            """
        )
    )
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, "aiofs_demo_backend", raising=False)
    yield
    sys.modules.pop("aiofs_demo_backend", None)


async def test_entry_point_plugin(plugin_dist):
    """§5: a third-party backend plugs in through the entry-point group aiofs.backends."""
    fs = aiofs.open_fs("demo://host/path?level=3", extra="yes")
    import aiofs_demo_backend  # type: ignore[import-not-found]  # the entry point's module

    assert aiofs_demo_backend.calls == [("demo://host/path", {"level": "3", "extra": "yes"})]
    await fs.write_bytes("f", b"plugged in")
    assert await fs.read_bytes("f") == b"plugged in"
    await fs.rm("*")
    await fs.close()
    with pytest.raises(ValueError) as excinfo:
        aiofs.open_fs("nosuch://x")
    assert "demo" in str(excinfo.value)  # listed among the known schemes


def test_entry_point_cannot_shadow_builtin(monkeypatch):
    """§5: built-in schemes win over an entry point that claims the same name."""
    import importlib.metadata

    fake = importlib.metadata.EntryPoint(
        name="memory", value="nonexistent_module:factory", group="aiofs.backends"
    )
    real = importlib.metadata.entry_points

    def entry_points(**kw):
        if kw.get("group") == "aiofs.backends":
            return importlib.metadata.EntryPoints([fake])
        return real(**kw)

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    assert isinstance(aiofs.open_fs("memory://"), InMemFileSystem)
