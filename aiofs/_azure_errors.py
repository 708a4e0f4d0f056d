"""The one seam where azure-core's exceptions become the contract's built-ins (CONTRACT §4).

=====================================================  ==================================
Azure                                                  raises
=====================================================  ==================================
403 (wrong key, SAS without the permission), 401       ``PermissionError``
404 (``BlobNotFound``)                                 ``FileNotFoundError``
409 ``BlobAlreadyExists`` / 412 ``ConditionNotMet``    ``BlockingIOError`` (a lost race;
/ 400 ``InvalidBlockList`` / lease codes               ``FileExistsError`` for mode ``x``)
404 or 412 while reading a pinned version              ``BlockingIOError`` (``changed``)
connection refused or dropped                          ``ConnectionError``
client timeouts                                        ``TimeoutError``
5xx after the SDK's retries                            ``ConnectionError``
anything else                                          ``OSError(EIO)``
=====================================================  ==================================

Messages carry the status and error code only, never the SDK's text (which may quote
request details); the original exception is chained.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
from collections.abc import Iterator
from typing import Any, TypeVar

from . import _errors

_T = TypeVar("_T")

#: Codes that mean "another writer got there first" (or wiped our staged blocks).
CONFLICT_CODES = frozenset(
    {
        "BlobAlreadyExists",
        "ConditionNotMet",
        "SourceConditionNotMet",
        "TargetConditionNotMet",
        "InvalidBlockList",
        "InvalidBlobOrBlock",
        "LeaseAlreadyPresent",
        "LeaseIdMissing",
        "LeaseIdMismatchWithBlobOperation",
        "LeaseNotPresentWithBlobOperation",
        "LeaseLost",
    }
)


def status(exc: BaseException) -> int | None:
    code = getattr(exc, "status_code", None)
    return code if isinstance(code, int) else None


def error_code(exc: BaseException) -> str:
    code: Any = getattr(exc, "error_code", None)
    return str(getattr(code, "value", code) or "")


def is_conflict(exc: BaseException) -> bool:
    """A lost write race: the other writer's commit came first."""
    return status(exc) in (409, 412) or error_code(exc) in CONFLICT_CODES


def translate(
    exc: BaseException,
    path: str,
    where: str,
    *,
    pinned: bool = False,
    commit: bool = False,
    create: bool = False,
) -> BaseException:
    """The contract's error for ``exc``.

    Args:
        pinned: a read of a version seen earlier: 404/412 mean it was replaced.
        commit: the error ends a write, so a connection failure leaves the outcome unknown.
        create: mode ``x``: a lost race means the file exists.
    """
    from azure.core import exceptions as az

    unknown = "; the outcome is unknown: read the file back to tell" if commit else ""
    if isinstance(
        exc,
        (
            az.ServiceRequestTimeoutError,
            az.ServiceResponseTimeoutError,
            asyncio.TimeoutError,
            TimeoutError,
        ),
    ):
        return TimeoutError(errno.ETIMEDOUT, f"Timed out{unknown} ({where})", path)
    if isinstance(exc, (az.ServiceRequestError, az.ServiceResponseError)):
        return ConnectionError(errno.ECONNREFUSED, f"Backend unreachable{unknown} ({where})", path)
    code = status(exc)
    name = error_code(exc)
    detail = f"{code} {name}".strip()
    if isinstance(exc, az.ClientAuthenticationError) or code in (401, 403):
        return PermissionError(
            errno.EACCES,
            f"Permission denied: credentials refused or container not accessible [{detail}] ({where})",
            path,
        )
    if pinned and code in (404, 412):
        return _errors.changed(path, where)
    if code == 404 or isinstance(exc, az.ResourceNotFoundError):
        return _errors.not_found(path, where)
    if is_conflict(exc):
        if create:
            return _errors.exists(path, where)
        return _errors.busy(path, where, f"another writer committed first [{detail}]")
    if code is not None and code >= 500:
        return ConnectionError(errno.EIO, f"Backend error [{detail}]{unknown} ({where})", path)
    return OSError(errno.EIO, f"Azure error [{detail}] ({where})", path)


#: What the seam catches: every azure-core error and the loop's timeouts.
def _caught() -> tuple[type[BaseException], ...]:
    from azure.core.exceptions import AzureError

    return (AzureError, asyncio.TimeoutError, TimeoutError)


@contextlib.contextmanager
def seam(
    path: str,
    where: str,
    *,
    pinned: bool = False,
    commit: bool = False,
    create: bool = False,
) -> Iterator[None]:
    """Translate Azure errors raised inside the block (see :func:`translate`)."""
    try:
        yield
    except _caught() as exc:
        raise translate(exc, path, where, pinned=pinned, commit=commit, create=create) from exc
