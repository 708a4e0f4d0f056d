"""``open_fs(url)``: pick a backend from settings, importing it only when used.

Schemes map to ``"module:factory"`` strings (fsspec's registry idea), so ``import aiofs``
stays cheap and a missing extra fails only for the scheme that needs it. Third-party
backends register through the entry-point group ``aiofs.backends`` (scheme -> factory
taking ``(url, **options)``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from ._protocol import FileLikeSystem

__all__ = ["open_fs"]

Factory = Callable[..., FileLikeSystem]

_BUILTIN = {
    "memory": "aiofs.inmem:_from_url",
    "file": "aiofs.os:_from_url",
    "redis": "aiofs.redis:_from_url",
    "rediss": "aiofs.redis:_from_url",
    "redis+cluster": "aiofs.redis:_from_url",
    "rediss+cluster": "aiofs.redis:_from_url",
    "azure": "aiofs.azure:_from_url",
}


def _entry_points() -> dict[str, str | Factory]:
    from importlib.metadata import entry_points

    return {ep.name: ep.value for ep in entry_points(group="aiofs.backends")}


def _factory(scheme: str) -> Factory:
    target: str | Factory | None = _BUILTIN.get(scheme)
    if target is None:
        target = _entry_points().get(scheme)
    if target is None:
        known = sorted({*_BUILTIN, *_entry_points()})
        raise ValueError(
            f"Unknown file system scheme {scheme!r}; known: {', '.join(known)} "
            "(third-party backends register in the entry-point group 'aiofs.backends')"
        )
    if callable(target):
        return target
    module, _, attr = target.partition(":")
    return cast(Factory, getattr(importlib.import_module(module), attr))


def open_fs(url: str | Mapping[str, Any], **options: Any) -> FileLikeSystem:
    """Open the file system a URL names; no I/O happens until first use.

    ``url`` may also be a mapping ``{"url": ..., **options}`` (settings as a dict). Query
    parameters of the URL are options too; keyword arguments win over both.

    ======================================  =============================================
    ``memory://`` / ``memory://name``       in-process (a name shares one store)
    ``file:///abs/root``                    local disk, rooted there
    ``redis://[user:pass@]host:port/db``    Redis (``rediss://`` for TLS,
                                            ``redis+cluster://`` for Redis Cluster)
    ``azure://container/prefix``            Azure Blob Storage
    ======================================  =============================================

    Raises:
        ValueError: an unknown scheme or option, or a malformed URL.
        ImportError: the backend's extra is not installed (the message names the fix).
    """
    if isinstance(url, Mapping):
        settings = dict(url)
        try:
            url = settings.pop("url")
        except KeyError:
            raise ValueError("open_fs() settings need a 'url' key") from None
        options = {**settings, **options}
    if not isinstance(url, str) or "://" not in url:
        raise ValueError(f"Invalid file system URL {url!r}: expected 'scheme://...'")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    bare = urlunsplit((parts.scheme, parts.netloc, parts.path, "", parts.fragment))
    return _factory(scheme)(bare, **{**query, **options})
