"""The public API: sorted ``__all__`` in every public module, resolvable type hints."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing

import pytest

import aiofs


def _public_modules() -> list[str]:
    names = ["aiofs"]
    for info in pkgutil.iter_modules(aiofs.__path__, "aiofs."):
        if not info.name.rsplit(".", 1)[-1].startswith("_"):
            names.append(info.name)
    integrations = importlib.import_module("aiofs.integrations")
    for info in pkgutil.walk_packages(integrations.__path__, "aiofs.integrations."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return names


PUBLIC_MODULES = _public_modules()


def test_public_modules_found():
    """The public modules of aiofs 1.0 and 2.0 are all importable and checked here."""
    for name in ["aiofs", "aiofs.inmem", "aiofs.os", "aiofs.redis", "aiofs.azure"]:
        assert name in PUBLIC_MODULES


def _import(name: str):
    try:
        return importlib.import_module(name)
    except ImportError as exc:  # an integration whose framework extra is not installed
        pytest.fail(f"{name} does not import: {exc}")


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_all_is_sorted_and_complete(name):
    """Every public module lists its API in a sorted `__all__` whose names all exist."""
    module = _import(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    assert list(exported) == sorted(exported), f"{name}.__all__ is not sorted"
    assert len(set(exported)) == len(exported)
    for attr in exported:
        assert hasattr(module, attr), f"{name}.__all__ names missing {attr!r}"


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_module_names_are_not_rewritten(name):
    """Public classes keep their real `__module__` (rewriting it breaks get_type_hints)."""
    module = _import(name)
    for attr in module.__all__:
        obj = getattr(module, attr)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert importlib.import_module(obj.__module__) is not None


def _callables(module):
    for attr in module.__all__:
        obj = getattr(module, attr)
        if inspect.isfunction(obj):
            yield f"{module.__name__}.{attr}", obj
        elif inspect.isclass(obj):
            for meth_name, meth in vars(obj).items():
                if meth_name.startswith("_") and meth_name not in ("__init__", "__aenter__"):
                    continue
                func = meth.fget if isinstance(meth, property) else meth
                if inspect.isfunction(func):
                    yield f"{module.__name__}.{attr}.{meth_name}", func


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_type_hints_resolve(name):
    """`typing.get_type_hints` works on every public callable (FastAPI and DI rely on it)."""
    module = _import(name)
    for qualname, func in _callables(module):
        try:
            typing.get_type_hints(func)
        except Exception as exc:  # pragma: no cover - the failure message is the point
            pytest.fail(f"get_type_hints({qualname}) failed: {exc!r}")
    for attr in module.__all__:
        obj = getattr(module, attr)
        if inspect.isclass(obj):
            typing.get_type_hints(obj)


def test_protocol_methods_have_raises_sections():
    """The protocol documents its errors: every I/O method has a `Raises:` section."""
    for cls, names in [
        (aiofs.FileLikeSystem, ["open", "ls", "cp", "mv", "stat", "read_bytes", "write_bytes"]),
        (aiofs.FileLike, ["__aenter__", "__aexit__", "read", "seek", "write"]),
    ]:
        for meth in names:
            assert "Raises:" in (getattr(cls, meth).__doc__ or ""), f"{cls.__name__}.{meth}"


def test_top_level_api():
    """`aiofs` exports the protocol, FileInfo, the base FileSystem and open_fs."""
    assert aiofs.__all__ == ["FileInfo", "FileLike", "FileLikeSystem", "FileSystem", "open_fs"]
    hints = typing.get_type_hints(aiofs.open_fs)
    assert hints["return"] is aiofs.FileLikeSystem


def test_typing_check_module_exists():
    """tests/typing_check.py (checked by mypy, never run) assigns each backend to the protocol."""
    from pathlib import Path

    text = (Path(__file__).parent / "typing_check.py").read_text()
    for name in ["InMemFileSystem", "OsFileSystem", "RedisFileSystem", "AzFileSystem"]:
        assert f": FileLikeSystem = {name}(" in text
