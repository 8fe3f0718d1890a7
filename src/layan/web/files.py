"""Serving an uploaded file to an officer: inline only as the type its bytes show."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.responses import Response


def document_response(content: bytes, filename: str, shown: str | None) -> Response:
    """The file inline when its content is a type browsers show safely, else downloaded.

    `shown` is the media type sniffed from the bytes (never the uploader's claim); the
    frame of Layan's own task page may embed it, no other site may, and it is not cached.
    """
    disposition = "inline" if shown else "attachment"
    return Response(
        content,
        media_type=shown or "application/octet-stream",
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(filename)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "X-Frame-Options": "SAMEORIGIN",
        },
    )


def pdf_response(content: bytes, number: str, *, inline: bool = False) -> Response:
    """An issued document's PDF, named by its document number; never cached by the way."""
    name = "".join(c if c.isalnum() or c in "-_" else "-" for c in number).strip("-") or "dokumen"
    disposition = "inline" if inline else "attachment"
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}.pdf",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )
