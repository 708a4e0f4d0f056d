"""Wiring: settings -> file system (FileSystemContainer) -> use cases."""

from __future__ import annotations

from aiofs.integrations.dependency_injector import FileSystemContainer
from dependency_injector import containers, providers

from .use_cases import InvoiceArchive


class Container(containers.DeclarativeContainer):
    wiring_config = containers.WiringConfiguration(modules=[".web"])

    config = providers.Configuration()

    storage = providers.Container(FileSystemContainer, config=config.storage)

    archive = providers.Factory(InvoiceArchive, fs=storage.fs)
