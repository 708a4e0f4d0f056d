"""Which clients exist per backend, and building one from a :class:`Spec`."""

from __future__ import annotations

from . import Client, Spec

#: Clients per backend, in table order. "raw" is the baseline of every ratio.
CLIENTS = {
    "memory": ["aiofs"],
    "local": ["aiofs", "raw", "aiofiles", "fsspec", "obstore", "opendal"],
    "redis": ["aiofs", "raw", "opendal"],
    "azure": ["aiofs", "raw", "fsspec", "obstore", "opendal"],
}


def build(spec: Spec) -> Client:
    """A new client. ``spec.options`` carries the server address and the namespace."""
    o = spec.options
    backend, name = spec.backend, spec.name
    if name == "aiofs":
        from .aiofs_client import AiofsClient

        return AiofsClient(backend, o["url"], **o.get("fs_options", {}))
    if backend == "local":
        from . import local

        cls = {
            "raw": local.RawLocal,
            "aiofiles": local.AiofilesLocal,
            "fsspec": local.FsspecLocal,
            "obstore": local.ObstoreLocal,
            "opendal": local.OpendalLocal,
        }[name]
        return cls(o["root"])
    if backend == "redis":
        from . import redis

        return {"raw": redis.RawRedis, "opendal": redis.OpendalRedis}[name](
            o["server"], o["namespace"]
        )
    if backend == "azure":
        from . import azure

        factory = {
            "raw": azure.RawAzure,
            "fsspec": azure.AdlfsAzure,
            "obstore": azure.obstore_azure,
            "opendal": azure.opendal_azure,
        }[name]
        return factory(o["port"], o["container"])
    raise ValueError(f"no client {name!r} for backend {backend!r}")
