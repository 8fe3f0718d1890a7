"""Reading an API submission: a JSON part and file parts, or JSON alone.

Shared by every endpoint that takes documents (applications, corrections, complaints,
answers, resolutions), so all of them refuse a missing part, bad JSON or a wrong content
type the same way and read a file only up to one byte past its limit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile

from layan.core.errors import FieldError, Text, ValidationFailedError
from layan.web.errors import field_errors_from_pydantic

M = TypeVar("M", bound=BaseModel)
F = TypeVar("F")
INVALID = Text("Kiriman tidak sah", "Invalid submission")


def invalid(field: str, text: Text, code: str = "invalid") -> ValidationFailedError:
    return ValidationFailedError(INVALID, "invalid", [FieldError(field, code, text)])


def _too_large(name: str, limit: int) -> ValidationFailedError:
    kb = limit // 1024
    return invalid(
        name, Text(f"Berkas lebih dari {kb} KB", f"File larger than {kb} KB"), "file.too_large"
    )


async def read_submission(
    request: Request,
    part: str,
    model: type[M],
    make_file: Callable[[str, str, bytes], F],
    *,
    limit: int,
    max_files: int,
    max_part_size: int,
    refuse_over_limit: bool,
    optional: bool = False,
) -> tuple[M, dict[str, F]]:
    """The validated JSON part and the file parts by name.

    With `refuse_over_limit` a file over `limit` bytes is refused here; otherwise it is
    kept truncated to `limit + 1` bytes so the domain's checks name it as too large. An
    `optional` JSON part may be left out: the model's defaults stand for it.
    """
    content_type = request.headers.get("content-type", "")
    files: dict[str, F] = {}
    if content_type.startswith("multipart/form-data"):
        async with request.form(
            max_files=max_files, max_fields=max_files, max_part_size=max_part_size
        ) as form:
            raw = form.get(part)
            for name, value in form.multi_items():
                if isinstance(value, UploadFile):
                    content = await value.read(limit + 1)
                    if refuse_over_limit and len(content) > limit:
                        raise _too_large(name, limit)
                    files[name] = make_file(
                        value.filename or name, value.content_type or "", content
                    )
        if raw is None and optional:
            raw = "{}"
        if not isinstance(raw, str):
            raise invalid(
                part,
                Text(f"Bagian '{part}' (JSON) wajib ada", f"The '{part}' part (JSON) is required"),
                "missing",
            )
    elif content_type.startswith("application/json"):
        raw = (await request.body()).decode("utf-8", errors="replace")
    else:
        raise invalid(
            "content-type",
            Text(
                "Kirim multipart/form-data atau application/json",
                "Send multipart/form-data or application/json",
            ),
        )
    try:
        return model.model_validate(json.loads(raw or "{}")), files
    except json.JSONDecodeError:
        raise invalid(part, Text("Bukan JSON yang sah", "Not valid JSON"), "json_invalid") from None
    except ValidationError as exc:
        raise ValidationFailedError(
            INVALID, "invalid", field_errors_from_pydantic(list(exc.errors()))
        ) from None


def to_json(value: Any) -> Any:
    """Dataclasses, lists and datetimes as JSON values, without a generic encoder's cost.

    The kinds a view is made of are told apart by their exact type first (the tracking
    page converts about a hundred values per request); anything else by `isinstance`.
    """
    kind = type(value)
    if kind in _AS_IS:
        return value
    if kind is datetime:
        return value.isoformat().replace("+00:00", "Z")
    if kind is list or kind is tuple:
        return [to_json(v) for v in value]
    if kind is dict:
        return {k: to_json(v) for k, v in value.items()}
    names = _FIELDS.get(kind)
    if names is None and hasattr(value, "__dataclass_fields__") and not isinstance(value, type):
        names = _FIELDS.setdefault(kind, tuple(value.__dataclass_fields__))
    if names is not None:
        return {f: to_json(getattr(value, f)) for f in names}
    return _other_to_json(value)


_AS_IS = frozenset({str, int, float, bool, type(None)})
_FIELDS: dict[type, tuple[str, ...]] = {}  # each dataclass's field names, once


def _other_to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value
