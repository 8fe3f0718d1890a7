"""A real SMTP server on loopback (aiosmtpd) that keeps what it is sent, for the tests."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


class Mailbox:
    """Every message the server accepted, oldest first."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def codes(self) -> list[str]:
        """The 6-digit codes of the messages, in order."""
        found = []
        for message in self.messages:
            payload = message.get_payload(decode=True)
            text = payload.decode() if isinstance(payload, bytes) else str(payload)
            match = re.search(r"\b(\d{6})\b", text)
            if match:
                found.append(match.group(1))
        return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def mail_server() -> Iterator[tuple[str, Mailbox]]:
    """(smtp://127.0.0.1:PORT, its mailbox) while the block runs."""
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", box
    finally:
        controller.stop()
