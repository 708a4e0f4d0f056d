"""URLconf serving an ``AiofsStorage``'s files: include it under the storage's ``base_url``.

::

    urlpatterns = [
        path("media/", include("aiofs.integrations.django.urls")),
        # another storage alias:
        path("exports/", include("aiofs.integrations.django.urls"), {"storage": "exports"}),
    ]

The URL name is ``aiofs:serve`` (``reverse("aiofs:serve", args=[name])``).
"""

from __future__ import annotations

from django.urls import path  # type: ignore[import-untyped]

from . import views

__all__ = ["app_name", "urlpatterns"]

app_name = "aiofs"

urlpatterns = [path("<path:name>", views.serve, name="serve")]
