"""Settings of the example project: uploads and static files stored through aiofs.

Switch the backend with the ``AIOFS_URL`` environment variable (``redis://...``,
``azure://...``); by default files go to ``./media`` on the local disk.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "documents",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "mysite.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "mysite.wsgi.application"
ASGI_APPLICATION = "mysite.asgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DJANGO_DB", BASE_DIR / "db.sqlite3"),
    }
}

USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# -- files through aiofs -------------------------------------------------------------
# The default storage has no "url" option: it takes the AIOFS_URL setting.
AIOFS_URL = os.environ.get("AIOFS_URL", f"file://{BASE_DIR / 'media'}")
MEDIA_URL = "/media/"
STATIC_URL = "/static/"

STORAGES = {
    "default": {
        "BACKEND": "aiofs.integrations.django.AiofsStorage",
        "OPTIONS": {"base_url": MEDIA_URL},
    },
    "staticfiles": {
        "BACKEND": "aiofs.integrations.django.AiofsStorage",
        "OPTIONS": {
            "url": os.environ.get("AIOFS_STATIC_URL", f"file://{BASE_DIR / 'staticfiles'}"),
            "base_url": STATIC_URL,
            "file_overwrite": True,
        },
    },
}
