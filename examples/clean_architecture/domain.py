"""Invoices: what the business cares about, with no I/O."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime

_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9-]{0,39}")

#: Every PDF starts with this (ISO 32000-1, 7.5.2).
PDF_MAGIC = b"%PDF-"


class InvalidInvoice(ValueError):
    """An invoice number or document the archive refuses."""


class DuplicateInvoice(Exception):
    """An invoice with this number is already archived (archived invoices never change)."""


class InvoiceNotFound(LookupError):
    """No invoice with this number."""


def check_number(number: str) -> str:
    """``number`` if it is an invoice number (``2026-0042``), else :class:`InvalidInvoice`."""
    if not _NUMBER.fullmatch(number):
        raise InvalidInvoice(f"Invalid invoice number {number!r}: use A-Z, 0-9 and '-'")
    return number


@dataclasses.dataclass(frozen=True)
class Invoice:
    number: str
    size: int
    archived_at: datetime
