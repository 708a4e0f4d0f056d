"""A clean-architecture service: an invoice archive.

- :mod:`.domain` — invoices and the rules about them (no I/O).
- :mod:`.use_cases` — ``InvoiceArchive``: store and list invoices; depends only on
  :class:`aiofs.FileLikeSystem`, so tests run it on ``memory://`` and production on Azure.
- :mod:`.containers` — the dependency-injector wiring: settings -> file system -> use case.
- :mod:`.web` — the FastAPI adapter. Run it with
  ``uvicorn examples.clean_architecture.web:create_app --factory`` (``AIOFS_URL`` picks
  the backend; default ``./data``).
"""
