"""The invoice archive: the use cases, written against ``FileLikeSystem`` only."""

from __future__ import annotations

from collections.abc import AsyncIterable

from aiofs import FileLikeSystem

from .domain import (
    PDF_MAGIC,
    DuplicateInvoice,
    InvalidInvoice,
    Invoice,
    InvoiceNotFound,
    check_number,
)

_FOLDER = "invoices"


class InvoiceArchive:
    """Stores invoice PDFs once each and lists them."""

    def __init__(self, fs: FileLikeSystem) -> None:
        self._fs = fs

    @staticmethod
    def path_of(number: str) -> str:
        """Where the invoice's PDF is stored."""
        return f"{_FOLDER}/{check_number(number)}.pdf"

    async def store(self, number: str, pdf: AsyncIterable[bytes]) -> Invoice:
        """Archive a PDF streamed in chunks; nothing is stored unless it all arrives.

        Raises:
            InvalidInvoice: a bad number, or the document is no PDF.
            DuplicateInvoice: this number is archived already.
        """
        path = self.path_of(number)
        try:
            async with self._fs.open(path, "x") as f:  # create-only: invoices never change
                head = b""
                async for chunk in pdf:
                    if len(head) < len(PDF_MAGIC):
                        head += chunk[: len(PDF_MAGIC)]
                        if not PDF_MAGIC.startswith(head[: len(PDF_MAGIC)]):
                            raise InvalidInvoice(f"Invoice {number} is not a PDF")
                    await f.write(chunk)
                if len(head) < len(PDF_MAGIC):
                    raise InvalidInvoice(f"Invoice {number} is not a PDF")
        except (FileExistsError, BlockingIOError):
            raise DuplicateInvoice(f"Invoice {number} is archived already") from None
        return await self.get(number)

    async def get(self, number: str) -> Invoice:
        """The archived invoice ``number``.

        Raises:
            InvoiceNotFound: no such invoice.
        """
        try:
            info = await self._fs.stat(self.path_of(number))
        except FileNotFoundError:
            raise InvoiceNotFound(f"No invoice {number}") from None
        return Invoice(number, info.size, info.modified)

    async def list(self) -> list[Invoice]:
        """Every archived invoice, by number."""
        found = [
            Invoice(info.path[len(_FOLDER) + 1 : -len(".pdf")], info.size, info.modified)
            async for info in self._fs.scan(f"{_FOLDER}/*.pdf")
        ]
        return sorted(found, key=lambda invoice: invoice.number)
