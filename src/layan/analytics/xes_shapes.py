"""The lines of an XES body as the fast reader sees them, and whether they nest well.

A line split at its double quotes is six fields: the start (`\t\t\t<string key=`), the
key, what follows it (` value=`), the value, the tail (`/>`) and anything more. The
start, what follows the key and the tail take only a handful of distinct texts in a
whole log, so each distinct combination (a *shape*) is recognised once, in Python, and
every line gets its shape's *role*: a trace or an event opening or closing, an attribute
with its value, and so on. A shape this reader does not know makes it step aside.
"""

from __future__ import annotations

import re

import polars as pl

from layan.analytics.xes import ATTRIBUTE_TAGS, EVENT_KEYS

# Roles of a line; DELTA is how each changes the nesting depth.
(BLANK, TRACE_OPEN, TRACE_CLOSE, EVENT_OPEN, EVENT_CLOSE, LOG_CLOSE) = range(6)
(OPEN, CLOSE, BARE, VALUED, VALUED_OPEN) = range(6, 11)
DELTA = (0, 1, -1, 1, -1, -1, 1, -1, 0, 0, 1)
KEYS = list(EVENT_KEYS)  # a key's code is its place here; concept:name also names a trace
OTHER_KEY = len(KEYS)
# What an XML value may not hold literally, or holds only as the parser rewrites it.
ODD = ["<", "\t", "\r", *map(chr, [*range(0x9), 0xB, 0xC, *range(0xE, 0x20), 0xFFFE, 0xFFFF])]
_NAME = r"([A-Za-z_][\w.:-]*)"
_OPENING = re.compile(rf"^\s*<{_NAME}\s*>\s*$")
_CLOSING = re.compile(rf"^\s*</{_NAME}\s*>\s*$")
_KEYED = re.compile(rf"^\s*<{_NAME}\s+key\s*=\s*$")
_VALUE = re.compile(r"^\s+value\s*=\s*$")
_TAIL = re.compile(r"^\s*(/?)>\s*$")
_LARGEST_TABLE = 1 << 22
_CODED = ("f0", "f1", "f2", "f4")


def _plain(start: str) -> tuple[int, str] | None:
    """The role and tag of a line without attributes: `<trace>`, `</event>`, ..."""
    if found := _OPENING.match(start):
        tag = found.group(1)
        return {"trace": TRACE_OPEN, "event": EVENT_OPEN}.get(tag, OPEN), tag
    if found := _CLOSING.match(start):
        tag = found.group(1)
        return {"trace": TRACE_CLOSE, "event": EVENT_CLOSE, "log": LOG_CLOSE}.get(tag, CLOSE), tag
    return None


def _keyed(after: str | None, tail: str | None, has_value: bool) -> int | None:
    """The role of an attribute line `<t key="k" value="v"/>` (or `>`, or no value)."""
    ends = _TAIL.match(tail or "") if after is not None and _VALUE.match(after) else None
    if ends is not None:
        return VALUED if ends.group(1) else VALUED_OPEN
    bare = _TAIL.match(after or "")
    if bare is not None and tail is None and not has_value:
        return BARE if bare.group(1) else OPEN
    return None


def role_of(
    start: str | None, after: str | None, tail: str | None, nulls: tuple[bool, bool]
) -> tuple[int, str] | None:
    """The role and tag of a line of this shape; None when the reader does not know it.

    `nulls` says whether the key and the value are missing.
    """
    no_key, no_value = nulls
    if start is None or not start.strip():
        plain: tuple[int, str] | None = (BLANK, "")
    else:
        plain = _plain(start)
    if plain is not None:
        role, tag = plain
        bare_line = no_key and no_value and after is None and tail is None
        allowed = role not in (OPEN, CLOSE) or tag in ATTRIBUTE_TAGS
        return plain if bare_line and allowed else None
    keyed = _KEYED.match(start)
    if keyed is None or keyed.group(1) not in ATTRIBUTE_TAGS:
        return None
    role = _keyed(after, tail, not no_value)
    return None if role is None else (role, keyed.group(1))


def key_code(key: str | None) -> int | None:
    """A key's code; None for one the parser would rewrite (a reference, a tab)."""
    if key is not None and any(c in key for c in ("&", *ODD)):
        return None
    return KEYS.index(key) if key in KEYS else OTHER_KEY


def _coded(lines: pl.DataFrame) -> tuple[pl.DataFrame, int] | None:
    """Each line's shape (start, what follows the key, tail, whether key and value are
    missing) and key as integers from the fields' category codes, and whether its value
    holds a reference or a character XML rewrites (`flagged`); with the number of key
    codes. None when the codes are too many to tabulate."""
    tops = lines.select(pl.col(f).to_physical().max() for f in _CODED).row(0)
    width = max((t or 0) for f, t in zip(_CODED, tops, strict=True) if f != "f1") + 2
    keys = (tops[1] or 0) + 2
    if width**3 * 4 > _LARGEST_TABLE:
        return None

    def code(field: str, size: int) -> pl.Expr:
        return pl.col(field).to_physical().fill_null(size - 1).cast(pl.UInt64)

    missing = pl.col("f1").is_null().cast(pl.UInt64) * 2 + pl.col("f3").is_null().cast(pl.UInt64)
    shape = ((code("f0", width) * width + code("f2", width)) * width + code("f4", width)) * 4
    # The values a parser would rewrite are looked for here too, on the other core.
    coded = lines.select(
        shape=shape + missing,
        key=code("f1", keys),
        flagged=pl.col("f3").str.contains_any(["&", *ODD]),
    )
    return coded, keys


def _tables(
    lines: pl.DataFrame, coded: pl.DataFrame, keys: int
) -> tuple[list[int], list[int], dict[int, str]] | None:
    """Role and tag by shape, key code by key, from one line of each distinct
    combination; None when one is not known."""
    shape, key = coded["shape"], coded["key"]
    first = (shape * keys + key).arg_unique()
    samples = lines.select(*_CODED).with_columns(shape=shape, key=key)[first]
    roles, key_codes, tags = [0] * (int(shape.max() or 0) + 1), [OTHER_KEY] * keys, {}
    for start, name, after, tail, shape_code, key_index in samples.iter_rows():
        found = role_of(start, after, tail, (shape_code & 2 > 0, shape_code & 1 > 0))
        known = OTHER_KEY if name is None else key_code(name)
        if found is None or known is None:
            return None
        roles[shape_code], tags[shape_code], key_codes[key_index] = found[0], found[1], known
    return roles, key_codes, tags


def line_roles(lines: pl.DataFrame) -> pl.DataFrame | None:
    """Per line: role, key code, shape, nesting level, and whether its value needs
    reading as XML would (`flagged`); None when a line has a shape the reader does not
    know or the lines do not nest as an XES log's."""
    if lines["f5"].null_count() < lines.height:
        return None  # a sixth field: more attributes, or text after the element
    coded = _coded(lines)
    tables = _tables(lines, *coded) if coded is not None else None
    if coded is None or tables is None:
        return None
    roles, key_codes, tags = tables
    shape, key = coded[0]["shape"], coded[0]["key"]
    role = pl.Series(roles, dtype=pl.Int8).gather(shape)
    delta = pl.Series(DELTA, dtype=pl.Int32).gather(role)
    depth = delta.cum_sum() + 1  # the body starts inside <log>
    frame = pl.DataFrame(
        {
            "role": role,
            "key": pl.Series(key_codes, dtype=pl.Int8).gather(key),
            "shape": shape,
            "delta": delta,
            "level": depth - (delta == 1).cast(pl.Int32),
            "flagged": coded[0]["flagged"],
        }
    )
    return frame if _nested(frame, tags) else None


def _closed_once(frame: pl.DataFrame) -> int | None:
    """The line where the log closes, when it is the last one but blanks."""
    depth = frame["level"] + (frame["delta"] == 1).cast(pl.Int32)
    end = int((depth == 0).arg_max() or 0)
    if depth[end] != 0 or frame["role"][end] != LOG_CLOSE:
        return None
    return end if (frame["role"][end + 1 :] == BLANK).all() else None


def _nested(frame: pl.DataFrame, tags: dict[int, str]) -> bool:
    """The log closes once, on its last line but blanks; traces sit in the log and events
    in traces, nothing else at their level; closing tags match their openings."""
    end = _closed_once(frame)
    if end is None:
        return False
    role, level = pl.col("role"), pl.col("level")
    traces = role.is_in([TRACE_OPEN, TRACE_CLOSE])
    events = role.is_in([EVENT_OPEN, EVENT_CLOSE])
    body = frame.head(end)
    placed, plain = body.select(
        placed=(
            (role == BLANK)
            | ((role != LOG_CLOSE) & ((level == 1) == traces) & (~events | (level == 2)))
        ).all(),
        # When only traces and events open and close, each closing tag matches.
        plain=role.is_in([OPEN, CLOSE, VALUED_OPEN]).not_().all(),
    ).row(0)
    if not placed or plain:
        return bool(placed)
    nesting = body.filter(pl.col("delta") != 0).select(
        "delta", "level", tag=pl.col("shape").replace_strict(tags, return_dtype=pl.String)
    )
    tag = pl.col("tag")
    return bool(
        nesting.select(((pl.col("delta") == 1) | (tag == tag.shift(1).over("level"))).all()).item()
    )
