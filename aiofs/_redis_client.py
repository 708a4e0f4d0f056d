"""The Redis connection: client construction, deadlines and the one error seam.

Decisions (see the backend facts on redis-py's defaults):

* redis-py's own retries are off (standalone) or one immediate retry (cluster, where a
  retry also refreshes the slot map). A retried command may be applied twice, so only
  commands that are idempotent by construction are sent: ``SETRANGE`` at explicit
  offsets, and scripts that check a writer token and leave a receipt.
* Every operation runs under one overall deadline (``timeout``, ``asyncio.timeout``): a
  stalled server surfaces as ``TimeoutError`` after ``timeout`` seconds, not after
  minutes of socket timeouts and backoff.
* :func:`translate` is the only place that knows redis-py's exceptions. Authentication
  errors subclass redis's ``ConnectionError``, so they are checked first.
"""

from __future__ import annotations

import errno
from collections.abc import Sequence
from typing import Any, TypeVar

from . import _errors
from ._deadline import within as with_deadline
from ._redis_scripts import Script

try:
    import redis.asyncio as _redis
    import redis.exceptions as _rexc
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise _errors.missing_extra("The Redis backend", "redis", "redis") from exc

__all__ = ["Client", "connect", "run_script", "translate", "with_deadline"]

_T = TypeVar("_T")

Client = Any  # redis.asyncio.Redis | redis.asyncio.RedisCluster (untyped library)


def connect(
    *,
    host: str,
    port: int,
    db: int,
    username: str | None,
    password: str | None,
    tls: bool,
    cluster: bool,
    pool_size: int,
    connect_timeout: float,
    ssl_options: dict[str, Any],
) -> Client:
    """A client for one server or one cluster; it connects on first use."""
    common: dict[str, Any] = {
        "username": username,
        "password": password,
        # No socket timeout: the per-operation deadline covers reads and writes, and with
        # one set redis-py sends through asyncio.wait_for, which on Python 3.11 swallows
        # a task's cancellation when the send completes at the same moment.
        "socket_timeout": None,
        "socket_connect_timeout": connect_timeout,
        "socket_keepalive": True,
    }
    if tls:
        common["ssl"] = True
        common.update(ssl_options)
    if cluster:
        return _redis.RedisCluster(
            host=host,
            port=port,
            max_connections=pool_size,
            retry=Retry(NoBackoff(), 1),
            protocol=2,  # the reply shapes of the standalone client
            **common,
        )
    if tls:
        common.pop("ssl")
        connection_class: Any = _redis.SSLConnection
    else:
        connection_class = _redis.Connection
    # A plain pool: the driver bounds calls in flight to ``pool_size`` itself (cheaper than
    # BlockingConnectionPool's condition variable), so the pool never runs dry.
    pool = _redis.ConnectionPool(
        host=host,
        port=port,
        db=db,
        max_connections=pool_size,
        connection_class=connection_class,
        retry=Retry(NoBackoff(), 0),
        **common,
    )
    return _redis.Redis(connection_pool=pool)


async def close(client: Client) -> None:
    await client.aclose()
    pool = getattr(client, "connection_pool", None)
    if pool is not None:
        await pool.aclose()


async def run_script(
    client: Client, script: Script, keys: Sequence[str], args: Sequence[Any]
) -> Any:
    """``EVALSHA``, loading the script on ``NOSCRIPT`` (a restarted server forgets it)."""
    try:
        return await client.evalsha(script.sha, len(keys), *keys, *args)
    except _rexc.NoScriptError:
        return await client.eval(script.source, len(keys), *keys, *args)


ResponseError = _rexc.ResponseError


def is_wrong_type(exc: BaseException) -> bool:
    """Redis refused a string command on a key of another type."""
    return isinstance(exc, _rexc.ResponseError) and str(exc).startswith("WRONGTYPE")


def is_connection_error(exc: BaseException) -> bool:
    """A lost or refused connection (not an authentication failure)."""
    if isinstance(exc, (_rexc.AuthenticationError, _rexc.AuthorizationError)):
        return False
    return isinstance(exc, (_rexc.ConnectionError, ConnectionError))


def translate(exc: BaseException, path: str | None, where: str, outcome_unknown: bool) -> OSError:
    """The contract error (CONTRACT §4) for a redis-py or socket exception."""
    unknown = "; the commit's outcome is unknown: read the file back to tell" * outcome_unknown
    if isinstance(exc, _rexc.RedisClusterException):  # wraps the node's error, if any
        inner = exc.__cause__ or exc.__context__
        if isinstance(inner, REDIS_ERRORS) and not isinstance(inner, _rexc.RedisClusterException):
            return translate(inner, path, where, outcome_unknown)
        return ConnectionError(
            errno.ENOTCONN, f"Redis Cluster is not serving{unknown} ({where})", path
        )
    if isinstance(exc, (_rexc.AuthenticationError, _rexc.AuthorizationError)):
        return PermissionError(errno.EACCES, f"Redis refused the credentials ({where})", path)
    if isinstance(exc, _rexc.NoPermissionError) or (
        isinstance(exc, _rexc.ResponseError) and "NOPERM" in str(exc)
    ):
        return PermissionError(errno.EACCES, f"Redis denied the command (ACL) ({where})", path)
    if isinstance(exc, (_rexc.TimeoutError, TimeoutError)):
        return TimeoutError(
            errno.ETIMEDOUT, f"Redis did not answer in time{unknown} ({where})", path
        )
    if isinstance(exc, (_rexc.ConnectionError, _rexc.ClusterError, ConnectionError)) or (
        isinstance(exc, OSError) and not isinstance(exc, _rexc.RedisError)
    ):
        return ConnectionError(errno.ENOTCONN, f"Redis is unreachable{unknown} ({where})", path)
    message = str(exc)
    if "exceeds maximum allowed size" in message or "invalid bulk length" in message:
        return OSError(
            errno.EFBIG,
            "File too large: a Redis string holds at most proto-max-bulk-len bytes "
            f"(512 MiB by default) ({where})",
            path,
        )
    if isinstance(exc, _rexc.OutOfMemoryError) or "OOM " in message:
        return OSError(errno.ENOSPC, f"Redis is out of memory (maxmemory) ({where})", path)
    if isinstance(exc, _rexc.ReadOnlyError) or "READONLY" in message:
        return PermissionError(errno.EROFS, f"Redis is read-only (a replica) ({where})", path)
    return OSError(errno.EIO, f"Redis error: {message} ({where})", path)


REDIS_ERRORS: tuple[type[BaseException], ...] = (
    _rexc.RedisError,
    _rexc.RedisClusterException,
    OSError,
    TimeoutError,
)
