"""The FastAPI demo app: ``uvicorn examples.fastapi_app:app`` or ``python -m examples.fastapi_app``."""

from .app import app, create_app

__all__ = ["app", "create_app"]
