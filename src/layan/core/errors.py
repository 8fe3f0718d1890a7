"""The domain's errors: raised below the web, turned into status codes only in `web/`.

Every message is carried in both languages so that the layer that answers the user
picks Indonesian or English without a translation lookup that could go missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Text:
    """A message in Indonesian (`id`) and English (`en`)."""

    id: str
    en: str

    def __call__(self, lang: str) -> str:
        return self.en if lang == "en" else self.id


@dataclass(frozen=True)
class FieldError:
    """One thing wrong with one named input field."""

    field: str
    code: str
    text: Text


@dataclass(eq=False)
class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    text: Text
    code: str = "error"

    def __str__(self) -> str:
        return self.text.en


class NotFoundError(DomainError):
    """The thing asked for does not exist, or the caller may not know it exists."""


class PermissionDeniedError(DomainError):
    """The caller is known but may not do this."""


class AuthenticationError(DomainError):
    """The caller could not be identified."""


class InvalidStateError(DomainError):
    """The thing exists but is not in a state that allows this."""


class GoneError(DomainError):
    """The thing existed but is gone for good (an expired link): asking again will not help."""


class UnavailableError(DomainError):
    """Something this depends on (a mail server, another agency's registry) cannot be
    reached now; the caller may try again later."""


@dataclass(eq=False)
class TooManyRequestsError(DomainError):
    """The caller sent this too often in a short time; they may try again later."""

    retry_after: int | None = None  # seconds until a retry may succeed


@dataclass(eq=False)
class ValidationFailedError(DomainError):
    """Input was refused; `errors` names each field and why."""

    errors: list[FieldError] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(f"{e.field}: {e.text.en}" for e in self.errors) or self.text.en
