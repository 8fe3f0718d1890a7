"""Sending an email: over SMTP when `LAYAN_SMTP_URL` is set, else into a local folder.

Without a mail server (a regency's first day, the demo, development) a message is written
to `LAYAN_DATA_DIR/outbox` as an .eml file instead, so nothing is lost and an operator can
read what would have been sent. A message that cannot be handed over raises
`DeliveryError`, and the caller tells the citizen to try again.
"""

from __future__ import annotations

import smtplib
import ssl
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import urlsplit

from layan.core.errors import Text, UnavailableError


class DeliveryError(UnavailableError):
    """A message could not be handed to the mail server; nothing was sent."""


UNDELIVERED = Text(
    "Pesan belum dapat dikirim karena server surel sedang tidak dapat dihubungi; coba lagi "
    "beberapa menit lagi",
    "The message could not be sent: the mail server cannot be reached; try again in a few minutes",
)


class Mailer:
    """One way out for email: an SMTP server, or the outbox folder."""

    def __init__(
        self, smtp_url: str | None, sender: str, outbox: Path, timeout: float = 10.0
    ) -> None:
        self.smtp_url = smtp_url
        self.sender = sender
        self.outbox = Path(outbox)
        self.timeout = timeout

    @property
    def delivers(self) -> bool:
        """Whether messages really leave (an SMTP server is configured)."""
        return self.smtp_url is not None

    def send(self, to: str, subject: str, body: str) -> str:
        """Send one plain-text message; its Message-ID."""
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message["Message-ID"] = make_msgid(domain="layan")
        message.set_content(body)
        if self.smtp_url is None:
            self._keep(message)
        else:
            self._deliver(message)
        return str(message["Message-ID"])

    def _keep(self, message: EmailMessage) -> None:
        self.outbox.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}.eml"
        (self.outbox / name).write_bytes(bytes(message))

    def _deliver(self, message: EmailMessage) -> None:
        url = urlsplit(self.smtp_url or "")
        secure = url.scheme == "smtps"
        port = url.port or (465 if secure else 25)
        try:
            if secure:
                context = ssl.create_default_context()
                with smtplib.SMTP_SSL(
                    url.hostname or "", port, timeout=self.timeout, context=context
                ) as smtp:
                    smtp.send_message(message)
            else:
                with smtplib.SMTP(url.hostname or "", port, timeout=self.timeout) as smtp:
                    smtp.send_message(message)
        except (OSError, smtplib.SMTPException):
            raise DeliveryError(UNDELIVERED, "email.undelivered") from None
