"""Settings of the Redis backend: :class:`RedisConfig` (aiofs 1.0 names) and options.

Options come as keyword arguments, URL query parameters or ``RedisConfig.query``; query
values are strings, parsed here. Unknown options are a ``ValueError`` (never ignored).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

__all__ = ["RedisConfig", "options"]


@dataclasses.dataclass
class RedisConfig:
    """Where the Redis server is (aiofs 1.0 names).

    ``protocol`` is ``"redis"``, ``"rediss"`` (TLS) or either with ``+cluster``;
    ``vhost`` is the database number; ``query`` holds extra options (a mapping or a
    query string, e.g. ``"timeout=5&ssl_cert_reqs=none"``). Credentials never appear in
    ``repr()``.
    """

    host: str = "localhost"
    port: int = 6379
    protocol: str = "redis"
    username: str | None = dataclasses.field(default=None, repr=False)
    password: str | None = dataclasses.field(default=None, repr=False)
    vhost: int | str = 0
    query: Mapping[str, Any] | str | None = None

    @property
    def db(self) -> int:
        text = str(self.vhost if self.vhost is not None else 0).strip("/") or "0"
        if not text.isdigit():
            raise ValueError(f"Invalid Redis database {self.vhost!r}: use a number such as 0")
        return int(text)

    @property
    def options(self) -> dict[str, Any]:
        if not self.query:
            return {}
        if isinstance(self.query, str):
            return dict(parse_qsl(self.query.lstrip("?"), keep_blank_values=True))
        return dict(self.query)


_BOOL = {
    **dict.fromkeys(("1", "true", "yes", "on"), True),
    **dict.fromkeys(("0", "false", "no", "off"), False),
}
_FLOATS = ("expiry_s", "lock_ttl", "timeout", "connect_timeout")
_SSL = ("ssl_ca_certs", "ssl_certfile", "ssl_keyfile", "ssl_cert_reqs", "ssl_check_hostname")


def _option(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        if name in _FLOATS:
            return float(value) if value not in ("", "none", "None") else None
        if name == "pool_size":
            return int(value)
        if name in ("cluster", "ssl_check_hostname"):
            return _BOOL[value.lower()]
    except (ValueError, KeyError):
        raise ValueError(f"Invalid Redis option {name}={value!r}") from None
    return value


def options(*sources: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments of :class:`RedisFileSystem` from option mappings (later wins)."""
    raw: dict[str, Any] = {}
    for source in sources:
        raw.update(source)
    pattern = raw.pop("file_pattern", None)
    prefix = raw.pop("prefix", None)
    if pattern is not None and prefix is not None:
        raise ValueError("Give either the Redis option prefix or file_pattern, not both")
    kwargs: dict[str, Any] = {"file_pattern": pattern or f"{prefix or ''}*"}
    ssl_options = {k: _option(k, raw.pop(k)) for k in _SSL if k in raw}
    if ssl_options:
        kwargs["ssl_options"] = ssl_options
    for name in (*_FLOATS, "pool_size", "cluster"):
        if name in raw:
            kwargs[name] = _option(name, raw.pop(name))
    if raw:
        raise ValueError(f"Unknown option(s) for redis://: {', '.join(sorted(raw))}")
    return kwargs
