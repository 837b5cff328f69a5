"""The base of every Emby payload model, and lenient field types shared by them.

Emby omits absent fields, writes dates with 7 fractional digits, varies the case of ProviderIds keys and
sends some ids as JSON numbers. The types here absorb that, so one odd value costs a field (None), not
the whole record.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic.alias_generators import to_pascal

T = TypeVar("T")

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


class EmbyModel(BaseModel):
    """PascalCase on the wire, snake_case in Python; unknown keys ignored; immutable once parsed."""

    model_config = ConfigDict(
        alias_generator=to_pascal,
        validate_by_name=True,
        validate_by_alias=True,
        extra="ignore",
        frozen=True,
    )


def _lenient_int(value: Any, handler: ValidatorFunctionWrapHandler) -> int | None:
    # Out-of-range or junk numbers become None: the store's INTEGER columns are int64, and one odd field
    # must not cost the whole record.
    if value is None or isinstance(value, bool):
        return None
    try:
        result = handler(value)
    except ValidationError:
        return None
    if result is None or not INT64_MIN <= result <= INT64_MAX:
        return None
    return int(result)


def _lenient_float(value: Any, handler: ValidatorFunctionWrapHandler) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        result = handler(value)
    except ValidationError:
        return None
    if result is None or not math.isfinite(result):
        return None
    return float(result)


def _lenient_bool(value: Any, handler: ValidatorFunctionWrapHandler) -> bool | None:
    if value is None:
        return None
    try:
        result: bool | None = handler(value)
    except ValidationError:
        return None
    return result


def _lenient_datetime(value: Any, handler: ValidatorFunctionWrapHandler) -> datetime | None:
    # Emby writes UTC with 7 fractional digits (pydantic keeps 6); naive values are UTC too. Year 1 is .NET's
    # DateTime.MinValue, Emby's way of saying "never".
    if value is None or value == "":
        return None
    try:
        result: datetime | None = handler(value)
    except ValidationError:
        return None
    if result is None or result.year <= 1:
        return None
    if result.tzinfo is None:
        return result.replace(tzinfo=UTC)
    return result.astimezone(UTC)


def _lenient_str(value: Any) -> str | None:
    # Numbers where a string is expected are kept as their text; objects or lists there become None.
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _id_text(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _none_as_empty_list(value: Any) -> Any:
    return [] if value is None else value


def _str_list(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, str):
        # Some servers send enum lists as one comma-separated string.
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, str | int) and not isinstance(v, bool)]
    return value


def _str_dict(value: Any) -> Any:
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items() if isinstance(v, str | int) and not isinstance(v, bool)}
    return value


def normalise_provider_ids(value: Any) -> dict[str, str]:
    """ProviderIds with lower-cased keys ("Imdb" and "IMDB" both occur) and empty values dropped."""
    if not isinstance(value, dict):
        return {}
    result: dict[str, str] = {}
    for key, raw in value.items():
        if not isinstance(key, str) or raw is None or isinstance(raw, bool | dict | list):
            continue
        text = str(raw).strip()
        if text:
            result[key.strip().lower()] = text
    return result


OptInt = Annotated[int | None, WrapValidator(_lenient_int)]
OptFloat = Annotated[float | None, WrapValidator(_lenient_float)]
OptBool = Annotated[bool | None, WrapValidator(_lenient_bool)]
OptDateTime = Annotated[datetime | None, WrapValidator(_lenient_datetime)]
OptStr = Annotated[str | None, BeforeValidator(_lenient_str)]
EmbyId = Annotated[str, BeforeValidator(_id_text)]
OptEmbyId = Annotated[str | None, BeforeValidator(_id_text)]
StrList = Annotated[list[str], BeforeValidator(_str_list)]
StrDict = Annotated[dict[str, str], BeforeValidator(_str_dict)]
ModelList = Annotated[list[T], BeforeValidator(_none_as_empty_list)]
ProviderIds = Annotated[dict[str, str], BeforeValidator(normalise_provider_ids)]
