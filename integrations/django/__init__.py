"""Django integration: ``AiofsStorage`` and a view serving stored files.

``AiofsStorage`` makes any aiofs file system a Django storage (``STORAGES``), with async
counterparts for async views; ``aiofs.integrations.django.urls`` serves its files for
backends that have no public URL. See :mod:`aiofs.integrations.django._storage` for the
threading design.
"""

from __future__ import annotations

try:
    import django  # type: ignore[import-untyped]  # noqa: F401
except ImportError as exc:  # pragma: no cover
    raise ImportError('The Django integration needs "django": pip install "aiofs[django]"') from exc

from ._storage import AiofsStorage

__all__ = ["AiofsStorage"]
