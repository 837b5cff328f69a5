"""Parsing lists of records one by one: a bad record is skipped and counted instead of failing the list."""

from __future__ import annotations

import logging
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)

_SAFE_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")


def record_id(record: Any) -> str:
    """The record's Id for a log line, or "?" when it is missing or not safe to print (log injection)."""
    raw = record.get("Id") if isinstance(record, dict) else None
    text = str(raw) if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
    return text if _SAFE_ID.fullmatch(text) else "?"


def _safe_part(part: Any) -> str:
    text = str(part)
    return text if _SAFE_ID.fullmatch(text) else "?"


def parse_records(payload: Any, model: type[M], what: str) -> tuple[list[M], int]:
    """Validate each element of a JSON array; return the valid ones and how many were skipped.

    Raises ValueError when the payload is not an array at all (the caller turns that into EmbyResponseError).
    """
    if not isinstance(payload, list):
        raise ValueError(f"expected a JSON array of {what} records")
    valid: list[M] = []
    skipped = 0
    for record in payload:
        parsed = parse_record(record, model, what)
        if parsed is None:
            skipped += 1
        else:
            valid.append(parsed)
    return valid, skipped


def parse_record(record: Any, model: type[M], what: str) -> M | None:
    """One record as `model`, or None (logged) when it does not validate."""
    try:
        return model.model_validate(record)
    except ValidationError as exc:
        # Only the Id and the field locations: values may be hostile or huge.
        fields = sorted({".".join(_safe_part(p) for p in err["loc"]) for err in exc.errors()})[:3]
        logging.getLogger(__name__).warning(
            "skipped invalid Emby %s record id=%s fields=%s", what, record_id(record), fields
        )
        return None
