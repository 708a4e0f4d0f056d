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
  Opening returns the metadata and the first 64 KiB in one round trip; ``read_bytes`` is
  one round trip.
* ``cp`` is ``COPY … REPLACE`` and ``mv`` is ``RENAME``, each in one script that refuses
  while a writer holds a path. In Redis Cluster, two files live in different slots unless
  they happen to hash together; there ``cp`` streams (``GETRANGE``/``SETRANGE``) and
  ``mv`` is copy-then-delete under the source's lock (not atomic).
* Listing is ``SCAN MATCH <escaped literal prefix>* TYPE string`` on every primary,
  decoded and deduplicated client-side; user globs never reach ``MATCH``.
* Values beyond ``proto-max-bulk-len`` (512 MiB by default) are refused with
  ``OSError(EFBIG)`` and nothing is committed: no chunking over several keys.
"""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

from . import _errors
from . import _redis_client as _rc
from . import _redis_scripts as _lua
from ._driver import Driver, Reader, WriteMode, Writer
from ._fs import FileSystem
from ._protocol import FileInfo
from ._redis_keys import FileKeys, KeyLayout

__all__ = ["RedisConfig", "RedisFileSystem"]

_T = TypeVar("_T")
_HEAD = 64 << 10  # bytes returned with the metadata when a reader opens
_PAGE = 1000
_DELETE_BATCH = 256
_RECEIPT_S = 120.0


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


def _token() -> str:
    return secrets.token_hex(12)


def _info(path: str, reply: Sequence[bytes]) -> FileInfo:
    modified = datetime.fromtimestamp(int(reply[2]) / 1000, timezone.utc)
    return FileInfo(path, int(reply[1]), modified, reply[0].decode())


class _RedisReader(Reader):
    def __init__(self, driver: _RedisDriver, keys: FileKeys, info: FileInfo, head: bytes) -> None:
        self._driver, self._keys, self.info, self._head = driver, keys, info, head
        self._driver_ref: _RedisDriver | None = driver  # until closed: holds the client

    async def read(self, offset: int, size: int) -> bytes:
        end = min(offset + size, self.info.size)
        if end <= offset:
            return b""
        if end <= len(self._head):
            return self._head[offset:end]
        keys, path = self._keys, self.info.path
        data = await self._driver._script(
            path, _lua.RANGE, [keys.data, keys.meta], [self.info.etag, offset, end - 1]
        )
        if data is None:
            raise _errors.changed(path, self._driver.where)
        return bytes(data)

    async def close(self) -> None:
        driver, self._driver_ref = self._driver_ref, None
        if driver is not None:
            await driver._done()


class _RedisWriter(Writer):
    """A locked next version staged in ``stage:<token>``; the lock is renewed while held."""

    def __init__(
        self, driver: _RedisDriver, path: str, keys: FileKeys, token: str, mode: str, size: int
    ) -> None:
        self._driver, self._path, self._keys = driver, path, keys
        self._token, self._mode, self.size = token, mode, size
        self._stage = keys.stage(token)
        self._lost = False
        self._task: asyncio.Task[None] | None = None
        loop = asyncio.get_running_loop()
        self._timer: asyncio.TimerHandle | None = loop.call_later(driver.renew_every, self._renew)

    # -- lock renewal -----------------------------------------------------------------

    def _renew(self) -> None:
        self._timer = None
        self._task = asyncio.get_running_loop().create_task(self._renew_now())

    async def _renew_now(self) -> None:
        driver, keys = self._driver, self._keys
        try:
            held = await driver._script(
                self._path, _lua.RENEW, [keys.lock, self._stage], [self._token, driver.ttl_ms]
            )
        except OSError:
            held = 1  # unreachable for now: try again at the next tick; the commit decides
        if not held:
            self._lost = True
            return
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(driver.renew_every, self._renew)

    def _stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def _lost_lock(self) -> BlockingIOError:
        return _errors.busy(self._path, self._driver.where, "the writer's lock expired")

    # -- Writer -----------------------------------------------------------------------

    async def write(self, data: bytes) -> None:
        if self._lost:
            raise self._lost_lock()
        driver = self._driver
        ok = await driver._script(
            self._path,
            _lua.STAGE,
            [self._keys.lock, self._stage],
            [self._token, self.size, data, driver.ttl_ms],
        )
        if not ok:
            self._lost = True
            raise self._lost_lock()
        self.size += len(data)

    async def commit(self, tail: bytes) -> None:
        try:
            await self._commit(tail)
        finally:
            await self._driver._done()

    async def _commit(self, tail: bytes) -> None:
        self._stop()
        driver, keys = self._driver, self._keys
        total = self.size + len(tail)
        try:
            code = await driver._script(
                self._path,
                _lua.COMMIT,
                [keys.data, keys.meta, keys.lock, self._stage, keys.done(self._token)],
                [
                    self._token,
                    self.size,
                    tail,
                    total,
                    self._mode,
                    driver.expiry_ms,
                    driver.receipt_ms,
                ],
                outcome_unknown=True,
            )
        except BaseException:
            await self._release()
            raise
        if code == 1:
            self.size = total
            return
        await self._release()
        if code == -1:
            raise _errors.exists(self._path, driver.where)
        if code == 0:
            raise self._lost_lock()
        raise OSError(5, f"Staged data is incomplete; nothing committed ({driver.where})", self._path)

    async def abort(self) -> None:
        self._stop()
        try:
            await self._release()
        finally:
            await self._driver._done()

    async def _release(self) -> None:
        await self._driver._release(self._path, self._keys, self._token)

    async def delete_file(self) -> bool:
        """Delete the locked file and release the lock (the end of a cross-slot move)."""
        self._stop()
        keys = self._keys
        try:
            done = await self._driver._script(
                self._path, _lua.DELETE_LOCKED, [keys.data, keys.meta, keys.lock], [self._token]
            )
        finally:
            await self._driver._done()
        return bool(done)


class _RedisDriver(Driver):
    def __init__(
        self,
        connect: Callable[[], Any],
        where: str,
        layout: KeyLayout,
        *,
        cluster: bool,
        expiry_s: float | None,
        lock_ttl: float,
        timeout: float,
        pool_size: int,
    ) -> None:
        self._connect = connect
        self._client: Any = None
        self._open_files = 0  # readers and writers not yet finished
        self._in_flight = asyncio.Semaphore(pool_size) if cluster else None
        self._closing = False
        self.where = where
        self._layout = layout
        self._cluster = cluster
        self._timeout = timeout
        self.expiry_ms = round(expiry_s * 1000) if expiry_s else 0
        self.ttl_ms = max(1, round(lock_ttl * 1000))
        self.renew_every = lock_ttl / 3
        self.receipt_ms = round(max(_RECEIPT_S, 4 * lock_ttl) * 1000)

    # -- the one seam to the server ---------------------------------------------------

    def _live_client(self) -> Any:
        if self._client is None:
            if self._closing:
                raise RuntimeError(f"The file system ({self.where}) is closed")
            self._client = self._connect()
        return self._client

    async def _done(self) -> None:
        """A reader or writer finished; the last one after ``close()`` closes the client."""
        self._open_files -= 1
        if self._closing and self._open_files == 0:
            await self._close_client()

    async def _call(
        self,
        path: str | None,
        work: Callable[[Any], Awaitable[_T]],
        outcome_unknown: bool = False,
    ) -> _T:
        """Run ``work(client)`` under the deadline, translating errors (CONTRACT §4).

        Everything sent is idempotent (see ``_redis_scripts``), so a call that lost its
        connection (a pooled connection the server closed) is sent once more at once.
        """
        client = self._live_client()

        async def attempt() -> _T:
            try:
                return await work(client)
            except _rc.REDIS_ERRORS as exc:
                if not _rc.is_connection_error(exc):
                    raise
            return await work(client)

        if self._in_flight is not None:  # the cluster client fails, not waits, when full
            limit = self._in_flight

            async def bounded() -> _T:
                async with limit:
                    if client._initialize:
                        # Before it knows the slots, redis-py sends a keyed command to
                        # any node (MOVED storms, then reconnects that cut other calls).
                        await client.initialize()
                    return await attempt()

            return await self._deadline(path, bounded, outcome_unknown)
        return await self._deadline(path, attempt, outcome_unknown)

    async def _deadline(
        self, path: str | None, attempt: Callable[[], Awaitable[_T]], outcome_unknown: bool
    ) -> _T:
        try:
            return await _rc.with_deadline(self._timeout, attempt)
        except _rc.REDIS_ERRORS as exc:
            raise _rc.translate(exc, path, self.where, outcome_unknown) from exc

    async def _script(
        self,
        path: str | None,
        script: _lua.Script,
        keys: Sequence[str],
        args: Sequence[Any],
        outcome_unknown: bool = False,
    ) -> Any:
        return await self._call(
            path, lambda client: _rc.run_script(client, script, keys, args), outcome_unknown
        )

    async def _release(self, path: str, keys: FileKeys, token: str) -> None:
        """Drop our lock (only ours) and staging; on failure both expire with the TTL."""
        try:
            await self._script(path, _lua.ABORT, [keys.lock, keys.stage(token)], [token])
        except OSError:
            pass

    def _same_slot(self, a: str, b: str) -> bool:
        if not self._cluster:
            return True
        from redis.crc import key_slot

        return bool(key_slot(a.encode()) == key_slot(b.encode()))

    # -- reading ----------------------------------------------------------------------

    async def _open(self, path: str, head: int) -> tuple[FileKeys, Any]:
        keys = self._layout.keys(path)
        reply = await self._script(path, _lua.OPEN, [keys.data, keys.meta], [head])
        if reply is None:
            raise _errors.not_found(path, self.where)
        return keys, reply

    async def stat(self, path: str) -> FileInfo:
        return _info(path, (await self._open(path, 0))[1])

    async def open_reader(self, path: str) -> Reader:
        keys, reply = await self._open(path, _HEAD)
        self._open_files += 1
        return _RedisReader(self, keys, _info(path, reply), bytes(reply[3]))

    async def read_bytes(self, path: str) -> bytes:
        return bytes((await self._open(path, -1))[1][3])

    # -- writing ----------------------------------------------------------------------

    async def open_writer(self, path: str, mode: WriteMode) -> _RedisWriter:
        keys, token = self._layout.keys(path), _token()
        lock_keys = [keys.data, keys.lock, keys.stage(token)]
        try:
            code = await self._script(path, _lua.LOCK, lock_keys, [token, self.ttl_ms, mode])
        except BaseException:
            # Cancelled or failed after the request may have reached the server: give the
            # lock back now rather than block the path for the lock's time to live.
            await self._release(path, keys, token)
            raise
        if code == -1:
            raise _errors.exists(path, self.where)
        if code == -2:
            raise _errors.not_found(path, self.where)
        if code == -4:
            raise _errors.busy(path, self.where)
        self._open_files += 1
        return _RedisWriter(self, path, keys, token, mode, int(code))

    async def write_bytes(self, path: str, data: bytes) -> None:
        if len(data) > self.write_chunk:  # stream it: bounded request size, same atomicity
            writer = await self.open_writer(path, "w")
            try:
                view = memoryview(data)
                for start in range(0, len(data) - self.write_chunk, self.write_chunk):
                    await writer.write(bytes(view[start : start + self.write_chunk]))
            except BaseException:
                await writer.abort()
                raise
            await writer.commit(bytes(view[writer.size :]))
            return
        keys, token = self._layout.keys(path), _token()
        code = await self._script(
            path,
            _lua.WRITE,
            [keys.data, keys.meta, keys.lock, keys.done(token)],
            [token, data, self.expiry_ms, self.receipt_ms],
            outcome_unknown=True,
        )
        if not code:
            raise _errors.busy(path, self.where)

    # -- listing and deleting ---------------------------------------------------------

    async def _scan_pages(self, match: str) -> AsyncIterator[list[bytes]]:
        client = self._live_client()
        if not self._cluster:
            cursor = 0
            while True:
                cursor, keys = await self._call(
                    None,
                    lambda c, cur=cursor: c.scan(cur, match=match, count=_PAGE, _type="string"),
                )
                yield keys
                if not cursor:
                    return
        await self._call(None, lambda c: c.initialize())
        for node in client.get_primaries():
            cursor = 0
            while True:
                cursors, keys = await self._call(
                    None,
                    lambda c, cur=cursor, n=node: c.scan(
                        cur, match=match, count=_PAGE, _type="string", target_nodes=n
                    ),
                )
                yield keys
                cursor = next(iter(cursors.values())) if isinstance(cursors, dict) else cursors
                if not cursor:
                    break

    async def list(self, prefix: str) -> AsyncIterator[Sequence[str]]:
        seen: set[str] = set()
        page: list[str] = []
        async for keys in self._scan_pages(self._layout.match(prefix)):
            for raw in keys:
                path = self._layout.path_of(raw.decode("utf-8", "surrogateescape"))
                if path is not None and path.startswith(prefix) and path not in seen:
                    seen.add(path)
                    page.append(path)
            if len(page) >= _PAGE:
                yield page
                page = []
        if page:
            yield page

    async def list_info(
        self, prefix: str, keep: Callable[[str], bool]
    ) -> AsyncIterator[Sequence[FileInfo]]:
        async for page in self.list(prefix):
            paths = [path for path in page if keep(path)]
            if not paths:
                continue

            async def fetch(client: Any, paths: list[str] = paths) -> list[Any]:
                pipe = client.pipeline(transaction=False)
                for path in paths:
                    pipe.hmget(self._layout.keys(path).meta, "e", "s", "t")
                return list(await pipe.execute())

            infos = []
            for path, reply in zip(paths, await self._call(None, fetch)):
                if reply[0] is not None:
                    infos.append(_info(path, reply))
                    continue
                try:  # no metadata yet (a value aiofs did not write): adopt it
                    infos.append(await self.stat(path))
                except FileNotFoundError:
                    continue
            if infos:
                yield infos

    async def exists(self, path: str) -> bool:
        try:
            await self._open(path, 0)
        except FileNotFoundError:
            return False
        return True

    async def delete(self, paths: Sequence[str]) -> int:
        removed = 0
        for start in range(0, len(paths), _DELETE_BATCH):
            batch = [self._layout.keys(path) for path in paths[start : start + _DELETE_BATCH]]

            async def run(client: Any, batch: list[FileKeys] = batch) -> list[Any]:
                pipe = client.pipeline(transaction=False)
                for keys in batch:
                    pipe.delete(keys.data)
                    pipe.delete(keys.meta)
                return list(await pipe.execute())

            replies = await self._call(paths[start] if len(paths) == 1 else None, run)
            removed += sum(1 for count in replies[::2] if count)
        return removed

    # -- server-side copy and move ----------------------------------------------------

    async def copy(self, src: str, dst: str) -> None:
        s, d = self._layout.keys(src), self._layout.keys(dst)
        if not self._same_slot(s.data, d.data):
            await super().copy(src, dst)  # streamed under dst's lock
            return
        token = _token()
        code = await self._script(
            dst,
            _lua.COPY,
            [s.data, s.meta, d.data, d.meta, d.lock, d.done(token)],
            [token, self.expiry_ms, self.receipt_ms],
            outcome_unknown=True,
        )
        if code == -2:
            raise _errors.not_found(src, self.where)
        if not code:
            raise _errors.busy(dst, self.where)

    async def move(self, src: str, dst: str) -> None:
        s, d = self._layout.keys(src), self._layout.keys(dst)
        if not self._same_slot(s.data, d.data):
            await self._move_across(src, dst)
            return
        token = _token()
        code = await self._script(
            dst,
            _lua.MOVE,
            [s.data, s.meta, s.lock, d.data, d.meta, d.lock, d.done(token)],
            [self.receipt_ms],
            outcome_unknown=True,
        )
        if code == -2:
            raise _errors.not_found(src, self.where)
        if code == -4:
            raise _errors.busy(dst, self.where)
        if not code:
            raise _errors.busy(src, self.where)

    async def _move_across(self, src: str, dst: str) -> None:
        """Copy then delete, holding ``src``'s lock throughout (Cluster, two slots)."""
        guard = await self.open_writer(src, "r+")
        try:
            await super().copy(src, dst)
        except BaseException:
            await guard.abort()
            raise
        if not await guard.delete_file():
            raise _errors.busy(src, self.where, f"copied to {dst!r}, but the source lock expired")

    async def close(self) -> None:
        """Close the client now, or after the files still open finish their blocks."""
        self._closing = True
        if self._open_files == 0:
            await self._close_client()

    async def _close_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await _rc.close(client)


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
        query = _options(config.options, {}) if config.query else {}
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
                timeout=float(timeout),
                connect_timeout=float(connect_timeout or timeout),
                ssl_options=dict(ssl_options or {}),
            )

        super().__init__(
            _RedisDriver(
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


_BOOL = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}
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


def _options(*sources: Mapping[str, Any]) -> dict[str, Any]:
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


def _from_url(url: str, **options: Any) -> RedisFileSystem:
    """``redis://[user:pass@]host:port/db``, ``rediss://…``, ``redis+cluster://host:port``."""
    parts = urlsplit(url)
    try:
        port = parts.port or 6379
    except ValueError:
        raise ValueError("Invalid Redis URL: the port is not a number") from None
    username = options.pop("username", None) or (unquote(parts.username) if parts.username else None)
    password = options.pop("password", None) or (unquote(parts.password) if parts.password else None)
    db = options.pop("db", None) or parts.path.strip("/") or "0"
    config = RedisConfig(
        host=parts.hostname or "localhost",
        port=port,
        protocol=parts.scheme.lower(),
        username=username,
        password=password,
        vhost=db,
    )
    return RedisFileSystem(config, **_options(options))
