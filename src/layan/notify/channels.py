"""The ways out: email over SMTP, SMS and WhatsApp through HTTP gateways, webhooks.

Each channel sends a batch of claimed messages and says, per message, what became of it:
delivered (with the server's answer), or failed for now (retried with backoff) or for
good. Every send carries the message's idempotency key (the email's Message-ID, the
gateways' `Idempotency-Key` header, the webhook's `X-Layan-Delivery`), so a message sent
again after a worker died mid-batch is recognised by the receiving side.

In test mode (`LAYAN_NOTIFY_TEST`) nothing leaves: every message is recorded as
delivered with `test` set, as GOV.UK Notify's test keys do.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from email.header import Header
from email.mime.text import MIMEText
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from layan.notify import rules


@dataclass(frozen=True)
class Claimed:
    """A message a worker holds for sending."""

    id: int
    key: str
    channel: str
    recipient: str
    subject: str
    body: str
    attempts: int
    test: bool
    kind: str = ""
    secret: str | None = None  # a webhook's signing secret


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    answer: str | None = None  # the server's id or status
    error: str | None = None
    permanent: bool = False


@dataclass(frozen=True)
class Gateway:
    """An HTTP gateway for SMS or WhatsApp: POSTs `{"to", "body", "reference"}` as JSON."""

    url: str
    token: str | None = None


@dataclass
class Channels:
    """Where each channel goes, from the settings."""

    smtp_url: str | None
    sender: str
    outbox_dir: Path
    gateways: dict[str, Gateway] = field(default_factory=dict)  # "sms", "whatsapp"
    test: bool = False
    timeout: float = 10.0
    lease_seconds: float = rules.LEASE_SECONDS
    clock: Callable[[], float] = time.time

    def send(self, claimed: Sequence[Claimed]) -> Iterator[tuple[Claimed, Outcome]]:
        """Send each message, yielding its outcome as soon as it is known."""
        by_channel: dict[str, list[Claimed]] = {}
        for message in claimed:
            if self.test or message.test:
                yield message, Outcome(True, "test: recorded, not sent")
            else:
                by_channel.setdefault(message.channel, []).append(message)
        if rules.EMAIL in by_channel:
            yield from self._emails(by_channel.pop(rules.EMAIL))
        if by_channel:
            with httpx.Client(timeout=self.timeout) as client:
                for channel, messages in by_channel.items():
                    for message in messages:
                        yield message, self._post(client, channel, message)

    # --- email ------------------------------------------------------------------------

    def _emails(self, messages: list[Claimed]) -> Iterator[tuple[Claimed, Outcome]]:
        if self.smtp_url is None:
            for message in messages:
                yield message, self._keep(message)
            return
        smtp: smtplib.SMTP | None = None
        try:
            for message in messages:
                try:
                    if smtp is None:
                        smtp = self._connect()
                    smtp.sendmail(self.sender_address, [message.recipient], self._email(message))
                    yield message, Outcome(True, f"<{message.key}@layan>")
                except smtplib.SMTPRecipientsRefused as exc:
                    yield message, Outcome(False, error=_short(exc), permanent=True)
                except smtplib.SMTPResponseException as exc:
                    permanent = 500 <= exc.smtp_code < 600
                    yield message, Outcome(False, error=_short(exc), permanent=permanent)
                    smtp = _closed(smtp) if not permanent else smtp
                except (OSError, smtplib.SMTPException) as exc:
                    yield message, Outcome(False, error=_short(exc))
                    smtp = _closed(smtp)
        finally:
            _closed(smtp)

    def _connect(self) -> smtplib.SMTP:
        url = urlsplit(self.smtp_url or "")
        if url.scheme == "smtps":
            context = ssl.create_default_context()
            return smtplib.SMTP_SSL(
                url.hostname or "", url.port or 465, timeout=self.timeout, context=context
            )
        return smtplib.SMTP(url.hostname or "", url.port or 25, timeout=self.timeout)

    @property
    def sender_address(self) -> str:
        return parseaddr(self.sender)[1] or self.sender

    def _email(self, message: Claimed) -> bytes:
        """The email as sent: plain text in UTF-8 (the compat32 policy, built cheaply)."""
        email = MIMEText(message.body, "plain", "utf-8")
        email["From"], email["To"] = self.sender, message.recipient
        subject = message.subject
        email["Subject"] = subject if subject.isascii() else Header(subject, "utf-8").encode()
        email["Message-ID"] = f"<{message.key}@layan>"  # the same on every try
        email["Auto-Submitted"] = "auto-generated"
        return email.as_bytes()

    def _keep(self, message: Claimed) -> Outcome:
        """Without a mail server the message is written to the outbox folder."""
        self.outbox_dir.mkdir(parents=True, exist_ok=True)
        path = self.outbox_dir / f"{message.key}.eml"
        path.write_bytes(self._email(message))
        return Outcome(True, f"kept: {path.name} (no SMTP server configured)")

    # --- gateways and webhooks ----------------------------------------------------------

    def _post(self, client: httpx.Client, channel: str, message: Claimed) -> Outcome:
        if channel == rules.WEBHOOK:
            body = message.body.encode()
            headers = {
                "Content-Type": "application/json",
                rules.SIGNATURE_HEADER: rules.sign_webhook(
                    message.secret or "", int(self.clock()), body
                ),
                "X-Layan-Delivery": message.key,
                "X-Layan-Event": message.kind,
            }
            url = message.recipient
        else:
            gateway = self.gateways.get(channel)
            if gateway is None:
                return Outcome(False, error=f"no {channel} gateway configured", permanent=True)
            sent = {"to": message.recipient, "body": message.body, "reference": message.key}
            body = json.dumps(sent).encode()
            headers = {"Content-Type": "application/json", "Idempotency-Key": message.key}
            if gateway.token:
                headers["Authorization"] = f"Bearer {gateway.token}"
            url = gateway.url
        try:
            answer = client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return Outcome(False, error=_short(exc) or type(exc).__name__)
        status = f"HTTP {answer.status_code}"
        if answer.is_success:
            return Outcome(True, status)
        permanent = 400 <= answer.status_code < 500 and answer.status_code not in (408, 425, 429)
        return Outcome(False, error=status, permanent=permanent)


def _closed(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return None


def _short(exc: BaseException) -> str:
    return str(exc)[:500]
