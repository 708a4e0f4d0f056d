"""Django for the integration tests: the example project's app, a real SQLite database.

Settings are configured once for the session (``settings.configure``), mirroring
``examples/django_project/mysite/settings.py``; each test then points ``STORAGES`` at
its backend with ``override_settings`` (Django resets its storages on that signal).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "django_project"
STATIC_SOURCE = Path(__file__).resolve().parent / "static"

if str(EXAMPLE) not in sys.path:
    sys.path.insert(0, str(EXAMPLE))

import django  # noqa: E402
from django.conf import settings  # noqa: E402

if not settings.configured:
    from mysite import settings as example

    settings.configure(
        SECRET_KEY="tests",
        DEBUG=False,
        ALLOWED_HOSTS=["*"],
        INSTALLED_APPS=example.INSTALLED_APPS,
        MIDDLEWARE=example.MIDDLEWARE,
        ROOT_URLCONF=example.ROOT_URLCONF,
        TEMPLATES=example.TEMPLATES,
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        USE_TZ=True,
        TIME_ZONE="UTC",
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        MEDIA_URL="/media/",
        STATIC_URL="/static/",
        STATICFILES_DIRS=[STATIC_SOURCE],
        STORAGES={
            "default": {
                "BACKEND": "aiofs.integrations.django.AiofsStorage",
                "OPTIONS": {"url": "memory://django-tests-default"},
            },
            "staticfiles": {
                "BACKEND": "aiofs.integrations.django.AiofsStorage",
                "OPTIONS": {"url": "memory://django-tests-static", "base_url": "/static/"},
            },
        },
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    django.setup()


@pytest.fixture(scope="session")
def django_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A real SQLite test database (a file, so every thread's connection sees it)."""
    from django.db import connection, connections
    from django.test.utils import setup_test_environment, teardown_test_environment

    db = tmp_path_factory.mktemp("django") / "test.sqlite3"
    connection.settings_dict["TEST"]["NAME"] = str(db)
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        connections.close_all()
        teardown_test_environment()


def storages_for(url: str, **options: Any) -> dict[str, Any]:
    """``STORAGES`` with both storages on ``url`` (static files under another prefix)."""
    static = {"url": url, "base_url": "/static/", "file_overwrite": True}
    if url.startswith("file://"):
        static["url"] = url.rstrip("/") + "-static"
    elif url.startswith("memory://"):
        static["url"] = url + "-static"
    return {
        "default": {
            "BACKEND": "aiofs.integrations.django.AiofsStorage",
            "OPTIONS": {"url": url, "base_url": "/media/", **options},
        },
        "staticfiles": {"BACKEND": "aiofs.integrations.django.AiofsStorage", "OPTIONS": static},
    }


@pytest.fixture
def media(backend_url: str) -> Iterator[Any]:
    """The default storage on the test's backend (``STORAGES`` overridden for the test)."""
    from django.core.files.storage import storages
    from django.test import override_settings

    with override_settings(STORAGES=storages_for(backend_url)):
        storage = storages["default"]
        try:
            yield storage
        finally:
            storage.close()
            storages["staticfiles"].close()


@pytest.fixture
def backend_name(backend_url: str) -> str:
    """``memory``, ``local``, ``redis`` or ``azure``: the backend of ``backend_url``."""
    scheme = backend_url.split("://", 1)[0]
    return {"file": "local", "rediss": "redis"}.get(scheme, scheme)
