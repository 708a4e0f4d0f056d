"""Redis backend (``redis://``, ``rediss://``, ``redis+cluster://``), aiofs 1.0 compatible.

A file is a Redis string at its aiofs 1.0 key (``file_pattern`` with the path's ``/``
mapped to ``:``, see ``_redis_keys`` for the escapes and the sidecar keys), plus a meta
hash (etag, size, modified) in the same hash slot. Decisions:

* Writers take ``SET lock token NX PX ttl`` (renewed while held), stage the next version
  with ``SETRANGE`` at explicit offsets into a per-writer staging key (bounded client
  memory; idempotent if retried), and commit with one Lua script that checks the token
  (fencing), ``RENAME``\\ s staging over the data, writes the meta and leaves a receipt
  (a retried commit reports success, never a lost race). ``write_bytes`` of up to one
  chunk is one script call with no lock window at all.
* Readers pin the etag seen on open; each ranged ``GETRANGE`` runs in a script that
  checks the etag first, so a replaced file gives ``BlockingIOError``, never mixed bytes.
  Opening returns the metadata and the first 64 KiB in one round trip; long ranges come
  in checked 4 MiB pieces assembled in place (one copy of the data). ``read_bytes`` of a
  file under 256 KiB is one plain ``GETRANGE`` (one command reads one committed version).
* ``cp`` is ``COPY … REPLACE`` and ``mv`` is ``RENAME``, each in one script that refuses
  while a writer holds a path. In Redis Cluster, two files live in different slots unless
  they happen to hash together; there ``cp`` streams (``GETRANGE``/``SETRANGE``) and
  ``mv`` is copy-then-delete under the source's lock (not atomic).
* Listing is ``SCAN MATCH <escaped literal prefix>* TYPE string`` on every primary,
  decoded and deduplicated client-side; user globs never reach ``MATCH``.
* Values beyond ``proto-max-bulk-len`` (512 MiB by default) are refused with
  ``OSError(EFBIG)`` and nothing is committed: no chunking over several keys.
"""

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from . import _redis_client as _rc
from ._fs import FileSystem
from ._redis_config import RedisConfig, options
from ._redis_driver import RedisDriver
from ._redis_keys import KeyLayout

__all__ = ["RedisConfig", "RedisFileSystem"]


class RedisFileSystem(FileSystem):
    """Files in Redis (aiofs 1.0's class, same constructor and key layout).

    Args:
        config: where the server is; ``config.query`` may carry the keyword options.
        file_pattern: the keys, with ``*`` standing for the path (``/`` -> ``:``).
        expiry_s: a time to live applied to every file at each write (``None``: none).
        lock_ttl: seconds a dead writer can block a path (renewed while held).
        timeout: the deadline of each operation, in seconds.
        connect_timeout: the deadline of a connection attempt (default: ``timeout``).
        pool_size: connections at most (per node in a cluster).
        cluster: Redis Cluster (also implied by a ``+cluster`` protocol).
        ssl_options: ``ssl_*`` keyword arguments for redis-py (``rediss`` only).
    """

    def __init__(
        self,
        config: RedisConfig,
        file_pattern: str = "*",
        expiry_s: float | None = None,
        *,
        lock_ttl: float | None = None,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        pool_size: int | None = None,
        cluster: bool | None = None,
        ssl_options: Mapping[str, Any] | None = None,
    ) -> None:
        query = options(config.options, {}) if config.query else {}
        file_pattern = query.pop("file_pattern", "*") if file_pattern == "*" else file_pattern
        expiry_s = query.pop("expiry_s", None) if expiry_s is None else expiry_s
        lock_ttl = lock_ttl or query.pop("lock_ttl", None) or 15.0
        timeout = timeout or query.pop("timeout", None) or 10.0
        connect_timeout = connect_timeout or query.pop("connect_timeout", None)
        pool_size = pool_size or query.pop("pool_size", None) or 64
        cluster = query.pop("cluster", None) if cluster is None else cluster
        ssl_options = {**query.pop("ssl_options", {}), **(ssl_options or {})}
        protocol = config.protocol.lower()
        if protocol not in ("redis", "rediss", "redis+cluster", "rediss+cluster"):
            raise ValueError(f"Invalid Redis protocol {config.protocol!r}: use redis or rediss")
        for name, value in (("lock_ttl", lock_ttl), ("timeout", timeout), ("pool_size", pool_size)):
            if not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"Invalid Redis option {name}={value!r}: must be positive")
        if expiry_s is not None and expiry_s <= 0:
            raise ValueError(f"Invalid expiry_s={expiry_s!r}: must be positive or None")
        tls = protocol.startswith("rediss")
        cluster = bool(cluster) or protocol.endswith("+cluster")
        db = config.db
        if cluster and db:
            raise ValueError("Redis Cluster has only database 0")
        layout = KeyLayout(file_pattern)
        self._config, self._file_pattern, self._expiry_s = config, file_pattern, expiry_s
        scheme = ("rediss" if tls else "redis") + ("+cluster" if cluster else "")
        where = f"{scheme}://{config.host}:{config.port}/{db} keys {file_pattern!r}"

        def connect() -> Any:
            return _rc.connect(
                host=config.host,
                port=int(config.port),
                db=db,
                username=config.username or None,
                password=config.password or None,
                tls=tls,
                cluster=cluster,
                pool_size=int(pool_size),
                connect_timeout=float(connect_timeout or timeout),
                ssl_options=dict(ssl_options or {}),
            )

        super().__init__(
            RedisDriver(
                connect,
                where,
                layout,
                cluster=cluster,
                expiry_s=expiry_s,
                lock_ttl=float(lock_ttl),
                timeout=float(timeout),
                pool_size=int(pool_size),
            )
        )

    @property
    def config(self) -> RedisConfig:
        return self._config

    @property
    def file_pattern(self) -> str:
        return self._file_pattern

    @property
    def expiry_s(self) -> float | None:
        return self._expiry_s

    @property
    def template(self) -> str:
        """The key of a file, ``{}`` standing for the encoded path (e.g. ``app:{}``)."""
        return self._file_pattern.replace("*", "{}", 1)


def _from_url(url: str, **extra: Any) -> RedisFileSystem:
    """``redis://[user:pass@]host:port/db``, ``rediss://…``, ``redis+cluster://host:port``."""
    parts = urlsplit(url)
    try:
        port = parts.port or 6379
    except ValueError:
        raise ValueError("Invalid Redis URL: the port is not a number") from None
    username = extra.pop("username", None) or (unquote(parts.username) if parts.username else None)
    password = extra.pop("password", None) or (unquote(parts.password) if parts.password else None)
    db = extra.pop("db", None) or parts.path.strip("/") or "0"
    config = RedisConfig(
        host=parts.hostname or "localhost",
        port=port,
        protocol=parts.scheme.lower(),
        username=username,
        password=password,
        vhost=db,
    )
    return RedisFileSystem(config, **options(extra))
