"""Azure Blob Storage backend (``azure://container/prefix``), compatible with aiofs 1.0.

Each path is a block blob of one container, named ``<prefix>/<path>`` (aiofs 1.0's
``file_pattern``: the blob name with ``*`` standing for the path). Only the aio client
of azure-storage-blob is used: no call blocks the event loop. How the contract maps onto
Azure (optimistic conditional commits, pinned reads, server-side copies) is described in
``aiofs._azure_driver`` and docs/azure.md.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Any, TypedDict
from urllib.parse import unquote, urlsplit

from . import _errors
from ._azure_auth import DEV_ACCOUNT, DEV_KEY, Endpoint, resolve
from ._deadline import within
from ._fs import FileSystem

if sys.version_info >= (3, 11):
    from typing import Unpack
else:  # pragma: no cover
    from typing_extensions import Unpack

try:
    from azure.storage.blob.aio import ExponentialRetry
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise _errors.missing_extra(
        "The Azure backend", "azure", "azure-storage-blob and aiohttp"
    ) from exc

__all__ = ["AzFileSystem", "AzureContainerConfig", "AzureOptions"]

#: The API version spoken to the emulator when its credential is implied (Azurite 3.37
#: refuses the newest SDK's default version unless started with --skipApiVersionCheck).
AZURITE_API_VERSION = "2026-06-06"
_PUBLIC_HOST = "core.windows.net"
_MiB = 1 << 20
#: The SDK's own defaults for ``connection_timeout`` and ``read_timeout``.
_SDK_TIMEOUTS = {"connection_timeout": 20.0, "read_timeout": 60.0}


class _DeadlineRetry(ExponentialRetry):
    """The SDK's retries, all of them within one deadline.

    Without it, a hung service costs ``read_timeout`` per attempt plus back-off: a
    request, its retries included, now raises ``TimeoutError`` after ``deadline`` s.
    """

    def __init__(self, deadline: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._deadline = deadline

    async def send(self, request: Any) -> Any:  # type: ignore[override]  # the SDK's is async
        parent = super().send
        return await within(self._deadline, lambda: parent(request))  # type: ignore[no-untyped-call]


class AzureOptions(TypedDict, total=False):
    """Options of ``open_fs("azure://...")`` and :class:`AzFileSystem` (all optional).

    Credentials (see ``aiofs._azure_auth.resolve``): ``connection_string``;
    ``account_url`` or ``account_name`` with ``account_key``, ``sas_token`` or
    ``credential``; else the ``AZURE_STORAGE_CONNECTION_STRING`` environment variable.
    """

    connection_string: str
    account_url: str
    account_name: str
    account_key: str
    sas_token: str
    credential: Any
    #: The storage REST API version (pin it for emulators that lag behind the SDK).
    api_version: str
    #: Bytes per staged block (default 4 MiB): the unit of streaming writes.
    block_size: int
    #: Blocks uploaded / ranges downloaded at once by one file (default 4).
    max_concurrency: int
    #: Seconds a dead writer can block an existing file: its lease (15-60 s, default 30).
    lock_ttl: float
    #: Retries of a failed request by the SDK (default 3, with 0.5-5 s back-off).
    retry_total: int
    #: Seconds to connect (default 20) and to wait for a response (default 60).
    connection_timeout: float
    read_timeout: float
    #: The deadline of one request, the SDK's retries included, and of a commit with the
    #: read-back that resolves a lost reply (default: the larger of the two above).
    timeout: float


@dataclasses.dataclass
class AzureContainerConfig:
    """aiofs 1.0's settings: one container of one storage account.

    An empty ``account_name`` with a ``host`` other than ``core.windows.net`` means the
    local Azurite emulator at ``http://host:port`` with its well-known development
    account (the only case where a credential is implied). Any other ``host`` is reached
    path-style, as emulators are: ``protocol://host:port/account_name``.
    """

    account_name: str
    account_key: str = dataclasses.field(repr=False)
    container_name: str
    protocol: str = "https"
    host: str = _PUBLIC_HOST
    port: int | None = None

    def _endpoint(self) -> Endpoint:
        if self.host == _PUBLIC_HOST:
            port = f":{self.port}" if self.port not in (None, 443) else ""
            url = f"{self.protocol}://{self.account_name}.blob.{self.host}{port}"
            return Endpoint(url, self.account_name, account_key=self.account_key)
        if not self.account_name:
            url = f"http://{self.host}:{self.port or 10000}/{DEV_ACCOUNT}"
            return Endpoint(url, DEV_ACCOUNT, DEV_KEY, api_version=AZURITE_API_VERSION)
        port = f":{self.port}" if self.port else ""
        url = f"{self.protocol}://{self.host}{port}/{self.account_name}"
        return Endpoint(url, self.account_name, account_key=self.account_key)


def _int(options: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = options.pop(name, None)
    if value is None:
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"Invalid option {name}={value!r}: expected an integer") from None
    if not low <= number <= high:
        raise ValueError(f"Invalid option {name}={number}: expected {low}..{high}")
    return number


def _float(options: dict[str, Any], name: str) -> float | None:
    value = options.pop(name, None)
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"Invalid option {name}={value!r}: expected a number") from None


def _check_pattern(file_pattern: object) -> str:
    if not isinstance(file_pattern, str) or file_pattern.count("*") != 1:
        raise ValueError(
            f"Invalid file_pattern {file_pattern!r}: it needs exactly one '*' standing for "
            "the path, e.g. '*' or 'reports/*.csv'"
        )
    return file_pattern


class AzFileSystem(FileSystem):
    """Files stored as block blobs of one Azure container.

    Args:
        config: aiofs 1.0's :class:`AzureContainerConfig`.
        file_pattern: the blob name with ``*`` standing for the path (aiofs 1.0):
            ``"reports/*.csv"`` stores ``q1`` as the blob ``reports/q1.csv``.
        **options: tuning, see :class:`AzureOptions` (credential options are not used
            here: the config names the credential).
    """

    def __init__(
        self,
        config: AzureContainerConfig,
        file_pattern: str = "*",
        **options: Unpack[AzureOptions],
    ) -> None:
        self._setup(config._endpoint(), config.container_name, file_pattern, dict(options))

    @classmethod
    def _create(
        cls, endpoint: Endpoint, container: str, file_pattern: str, options: dict[str, Any]
    ) -> AzFileSystem:
        self = cls.__new__(cls)
        self._setup(endpoint, container, file_pattern, options)
        return self

    def _setup(
        self, endpoint: Endpoint, container: str, file_pattern: str, options: dict[str, Any]
    ) -> None:
        from ._azure_driver import AzureDriver

        if not container:
            raise ValueError("An Azure container name is needed, e.g. azure://container/prefix")
        file_pattern = _check_pattern(file_pattern)
        block = _int(options, "block_size", 4 * _MiB, 64 << 10, 4000 * _MiB)
        concurrency = _int(options, "max_concurrency", 4, 1, 64)
        retries = _int(options, "retry_total", 3, 0, 20)
        ttl = _float(options, "lock_ttl")
        if ttl is not None and not 15 <= ttl <= 60:
            raise ValueError(f"Invalid option lock_ttl={ttl}: Azure leases last 15 to 60 seconds")
        timeouts = dict(_SDK_TIMEOUTS)
        for name in timeouts:
            seconds = _float(options, name)
            if seconds is not None:
                if seconds <= 0:
                    raise ValueError(f"Invalid option {name}={seconds}: expected seconds > 0")
                timeouts[name] = seconds
        deadline = _float(options, "timeout")
        if deadline is None:
            deadline = max(timeouts.values())
        if deadline <= 0:
            raise ValueError(f"Invalid option timeout={deadline}: expected seconds > 0")
        client: dict[str, Any] = {
            **timeouts,
            "retry_policy": _DeadlineRetry(
                deadline,
                initial_backoff=0.5,  # typed int, works as float
                increment_base=2,
                retry_total=retries,
                random_jitter_range=0.5,
            ),
            "max_single_put_size": max(64 * _MiB, 2 * block),
            "max_block_size": block,
            "max_single_get_size": 8 * _MiB,
            "max_chunk_get_size": 4 * _MiB,
        }
        api_version = options.pop("api_version", None) or endpoint.api_version
        if api_version:
            client["api_version"] = str(api_version)
        if options:
            raise ValueError(f"Unknown option(s) for azure://: {', '.join(sorted(options))}")
        driver = AzureDriver(
            endpoint,
            container,
            file_pattern,
            block_size=block,
            max_concurrency=concurrency,
            lock_ttl=round(ttl or 30),
            timeout=deadline,
            client_options=client,
        )
        super().__init__(driver)
        head, _, tail = file_pattern.partition("*")
        self._template = f"{endpoint.account_url}/{container}/{head}{{}}{tail}"
        self._file_pattern = file_pattern

    @property
    def template(self) -> str:
        """The blob URL of a path, ``{}`` standing for it (no credentials in it)."""
        return self._template

    @property
    def file_pattern(self) -> str:
        """aiofs 1.0's pattern: the blob name with ``*`` standing for the path."""
        return self._file_pattern


def _from_url(url: str, **options: Any) -> AzFileSystem:
    """``azure://container[/prefix]`` with credentials in ``options`` or the environment."""
    parts = urlsplit(url)
    container = unquote(parts.netloc)
    prefix = unquote(parts.path).strip("/")
    endpoint = resolve(options)
    pattern = f"{prefix}/*" if prefix else "*"
    return AzFileSystem._create(endpoint, container, pattern, options)
