"""One mapping from DomainError to HTTP status, and Open311's narrower reading of it."""

from __future__ import annotations

import pytest

from layan.core.errors import (
    AuthenticationError,
    DomainError,
    FieldError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    Text,
    TooManyRequestsError,
    ValidationFailedError,
)
from layan.open311.api import _problem
from layan.web.errors import status_of

T = Text("salah", "wrong")


@pytest.mark.parametrize(
    ("exc", "web", "open311"),
    [
        (NotFoundError(T), 404, 404),
        (PermissionDeniedError(T), 403, 403),
        (AuthenticationError(T), 401, 400),
        (InvalidStateError(T), 409, 400),
        (TooManyRequestsError(T), 429, 400),
        (ValidationFailedError(T), 422, 400),
        (DomainError(T), 400, 400),
    ],
)
def test_status_of_and_open311(exc: DomainError, web: int, open311: int) -> None:
    assert status_of(exc) == web
    assert _problem(exc, "en") == (open311, ["wrong"])


def test_open311_names_each_invalid_field() -> None:
    needed = FieldError("description", "required", Text("wajib", "needed"))
    exc = ValidationFailedError(T, errors=[needed])
    status, descriptions = _problem(exc, "en")
    assert status == 400
    assert len(descriptions) == 1 and descriptions[0].endswith(": needed")
