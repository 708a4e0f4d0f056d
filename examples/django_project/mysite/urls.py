"""URLs: the admin, the documents API, and stored files served from aiofs."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("documents.urls")),
    # Backends such as Redis have no public URL: Django serves the stored files.
    path("media/", include("aiofs.integrations.django.urls")),
    path(
        "static/",
        include("aiofs.integrations.django.urls", namespace="static"),
        {"storage": "staticfiles"},
    ),
]
