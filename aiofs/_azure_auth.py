"""Where an Azure container lives and how to sign in: endpoints and credentials.

Credentials come from a connection string, an account key, a SAS token or a token
credential object. They are kept out of every ``repr`` and message: only the account
name and the endpoint (without its query) are ever shown.

Server-side copies need a source URL the service itself can read: with an account key
aiofs signs a short read-only SAS for the source blob; with a SAS token it reuses that
token; with a token credential there is none, and copies stream through the client.
"""

from __future__ import annotations

import dataclasses
import os
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit, urlunsplit

#: The Azurite emulator's well-known development account (public, documented by Microsoft).
DEV_ACCOUNT = "devstoreaccount1"
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
CONNECTION_STRING_ENV = "AZURE_STORAGE_CONNECTION_STRING"


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """An account endpoint and its credential; ``repr`` shows neither key nor token."""

    account_url: str
    account_name: str
    account_key: str | None = dataclasses.field(default=None, repr=False)
    sas_token: str | None = dataclasses.field(default=None, repr=False)
    token_credential: Any = dataclasses.field(default=None, repr=False)
    #: aiofs made the token credential itself, so it closes it too.
    owns_credential: bool = False
    #: An API version for the emulator (the newest SDK's may be refused by Azurite).
    api_version: str | None = None

    def sdk_credential(self) -> Any:
        """The ``credential`` argument for azure-storage-blob's clients."""
        if self.account_key is not None:
            from azure.core.credentials import AzureNamedKeyCredential

            return AzureNamedKeyCredential(self.account_name, self.account_key)
        if self.sas_token is not None:
            from azure.core.credentials import AzureSasCredential

            return AzureSasCredential(self.sas_token)
        return self.token_credential

    def read_sas(self, container: str, blob: str) -> str | None:
        """A query string that lets the service read ``blob`` (server-side copy), if any."""
        if self.account_key is not None:
            from azure.storage.blob import BlobSasPermissions, generate_blob_sas

            now = datetime.now(timezone.utc)
            return generate_blob_sas(
                self.account_name,
                container,
                blob,
                account_key=self.account_key,
                permission=BlobSasPermissions(read=True),
                start=now - timedelta(minutes=5),
                expiry=now + timedelta(hours=2),
            )
        return self.sas_token


def _clean(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def _account_from_url(url: str) -> str:
    """``name`` of ``https://name.blob.core.windows.net`` or ``http://host:port/name``."""
    parts = urlsplit(url)
    path = parts.path.strip("/")
    host = parts.hostname or ""
    is_ip_or_local = host == "localhost" or host.replace(".", "").isdigit() or ":" in host
    if path and (is_ip_or_local or "." not in host):
        return path.split("/")[0]
    return host.split(".")[0]


def parse_connection_string(text: str) -> Endpoint:
    """An :class:`Endpoint` from an Azure Storage connection string.

    Raises:
        ValueError: the string names no account or blob endpoint (without echoing it).
    """
    fields: dict[str, str] = {}
    for part in text.split(";"):
        if part.strip():
            key, sep, value = part.partition("=")
            if not sep:
                raise ValueError("Invalid Azure connection string: expected 'Key=Value;...' pairs")
            fields[key.strip().lower()] = value.strip()
    if fields.get("usedevelopmentstorage", "").lower() == "true":
        proxy = fields.get("developmentstorageproxyuri", "http://127.0.0.1").rstrip("/")
        return Endpoint(f"{proxy}:10000/{DEV_ACCOUNT}", DEV_ACCOUNT, DEV_KEY)
    name = fields.get("accountname")
    account_key = fields.get("accountkey")
    sas = fields.get("sharedaccesssignature")
    url = fields.get("blobendpoint")
    if url is None:
        if not name:
            raise ValueError(
                "Invalid Azure connection string: it names neither AccountName nor BlobEndpoint"
            )
        protocol = fields.get("defaultendpointsprotocol", "https")
        suffix = fields.get("endpointsuffix", "core.windows.net")
        url = f"{protocol}://{name}.blob.{suffix}"
    url = _clean(url)
    name = name or _account_from_url(url)
    return Endpoint(url, name, account_key or None, sas.lstrip("?") if sas else None)


def resolve(options: dict[str, Any]) -> Endpoint:
    """Pick the credential from ``open_fs`` options (consumed from the dict), then the env.

    Order: ``connection_string``; ``account_url``/``account_name`` with ``account_key``,
    ``sas_token`` or ``credential`` (a token credential object, or ``"default"`` for
    azure-identity's ``DefaultAzureCredential``); the ``AZURE_STORAGE_CONNECTION_STRING``
    environment variable.
    """
    conn = options.pop("connection_string", None)
    url = options.pop("account_url", None)
    name = options.pop("account_name", None)
    key = options.pop("account_key", None)
    sas = options.pop("sas_token", None)
    credential = options.pop("credential", None)
    if conn:
        if url or key or sas or credential:
            raise ValueError(
                "Give either connection_string or account_url with one credential, not both"
            )
        return parse_connection_string(str(conn))
    if url or name:
        url = _clean(str(url)) if url else f"https://{name}.blob.core.windows.net"
        name = str(name) if name else _account_from_url(url)
        given = [x for x in (key, sas, credential) if x]
        if len(given) != 1:
            raise ValueError(
                f"Azure account {name!r}: give exactly one of account_key, sas_token "
                "or credential (a token credential, or 'default' for DefaultAzureCredential)"
            )
        if key:
            return Endpoint(url, name, account_key=str(key))
        if sas:
            return Endpoint(url, name, sas_token=str(sas).lstrip("?"))
        if credential == "default":
            return Endpoint(url, name, token_credential=_default_credential(), owns_credential=True)
        if isinstance(credential, str) or not hasattr(credential, "get_token"):
            raise ValueError(
                "credential must be an async token credential (azure.identity.aio) or 'default'"
            )
        return Endpoint(url, name, token_credential=credential)
    env = os.environ.get(CONNECTION_STRING_ENV)
    if env:
        return parse_connection_string(env)
    raise ValueError(
        "No Azure credentials: pass connection_string=..., account_url=... with account_key, "
        f"sas_token or credential, or set {CONNECTION_STRING_ENV}"
    )


def _default_credential() -> Any:
    try:
        from azure.identity.aio import DefaultAzureCredential
    except ImportError as exc:
        raise ImportError(
            'credential="default" needs "azure-identity": pip install azure-identity'
        ) from exc
    return DefaultAzureCredential()
