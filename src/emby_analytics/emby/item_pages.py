"""A page of GET /Items read one item at a time, each valid item turned into what the caller keeps as it is read.

`json.loads` builds a whole page as Python objects before the first item is validated (a page of 100 items with
media sources and streams is ~0.5 MB of JSON and ~20,000 objects), and the page of models that follows is as many
again. The library sync holds such pages at its peak, and the Python heap keeps the arenas that peak grew into
for the life of the process. Here pydantic-core parses the page in Rust, whose memory goes back to the C
allocator, and hands Python one item at a time: the item's objects are built, validated as a `BaseItem` exactly as
`ItemsPage.from_payload` validates it, and converted (the sync makes its database row) before the next item's
are built. Only the converted values of a page exist together.

A page this reader does not take is read the old way (`json.loads` and `ItemsPage.from_payload`), so every page
reads exactly as before: JSON that pydantic-core refuses where `json.loads` accepts it (lone surrogates, a BOM, UTF-16),
an `Items` that is not an array, and numbers of more than `MAX_INT_DIGITS` digits, which `json.loads` reads as
infinities (`connection._parse_int`) and pydantic-core exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationError, ValidationInfo

from emby_analytics.emby.connection import MAX_INT_DIGITS, Reply, decode_json
from emby_analytics.emby.errors import EmbyResponseError
from emby_analytics.emby.models import BaseItem, ItemsPage
from emby_analytics.emby.models.base import INT64_MAX, INT64_MIN
from emby_analytics.emby.records import parse_record

T = TypeVar("T")

# A run of more digits than json.loads keeps exact, found with one C pass: digits become "1", all else "0".
_DIGITS_AS_ONES = bytes(0x31 if 0x30 <= byte <= 0x39 else 0x30 for byte in range(256))
_LONG_DIGIT_RUN = b"1" * (MAX_INT_DIGITS + 1)


@dataclass(frozen=True)
class ConvertedItems(Generic[T]):
    """A page of GET /Items: the converted valid items, in Emby's order, and how many records were skipped."""

    values: list[T]
    skipped: int
    total_record_count: int | None
    start_index: int | None

    @property
    def received(self) -> int:
        """Records Emby sent, valid or not: only a page shorter than asked for means the listing ended."""
        return len(self.values) + self.skipped

    @classmethod
    def of(cls, page: ItemsPage, convert: Callable[[BaseItem], T]) -> ConvertedItems[T]:
        return cls([convert(item) for item in page.items], page.skipped, page.total_record_count, page.start_index)


class _Reading(Generic[T]):
    """One page's reading, handed to the item validator as the validation context."""

    def __init__(self, convert: Callable[[BaseItem], T]) -> None:
        self.convert = convert
        self.values: list[T] = []
        self.skipped = 0


def _read_item(record: Any, info: ValidationInfo) -> None:
    reading = cast(_Reading[Any], info.context)
    item = parse_record(record, BaseItem, "item")  # logs and skips a record that does not validate, as before
    if item is None:
        reading.skipped += 1
    else:
        reading.values.append(reading.convert(item))


def _count(value: Any) -> int | None:
    # As ItemsPage.from_payload reads TotalRecordCount and StartIndex: a JSON integer in int64's range, or nothing.
    if isinstance(value, int) and not isinstance(value, bool) and INT64_MIN <= value <= INT64_MAX:
        return value
    return None


class _Page(BaseModel):
    # Keys are a few hundred names, worth sharing; values are not kept in pydantic's cache, which outlives the page.
    model_config = ConfigDict(cache_strings="keys", extra="ignore")

    # No union with None: a union may validate a member twice; `"Items": null` is read the old way instead.
    items: list[Annotated[None, PlainValidator(_read_item)]] = Field(default_factory=list, alias="Items")
    total_record_count: Annotated[int | None, PlainValidator(_count)] = Field(None, alias="TotalRecordCount")
    start_index: Annotated[int | None, PlainValidator(_count)] = Field(None, alias="StartIndex")


def read_items_page(body: bytes, convert: Callable[[BaseItem], T]) -> ConvertedItems[T] | None:
    """The page in `body` with each valid item converted, or None when it must be read the old way."""
    if _LONG_DIGIT_RUN in body.translate(_DIGITS_AS_ONES):
        return None
    reading = _Reading(convert)
    try:
        page = _Page.model_validate_json(body, context=reading)
    except ValidationError:
        return None
    return ConvertedItems(reading.values, reading.skipped, page.total_record_count, page.start_index)


@dataclass(frozen=True)
class ItemsReply:
    """A GET /Items answer as Emby sent it, not read yet: a caller that asks for several pages at once reads them
    one at a time."""

    path: str
    reply: Reply

    def converted(self, convert: Callable[[BaseItem], T]) -> ConvertedItems[T]:
        """The page with each valid item turned by `convert` as it is read; EmbyResponseError when it is no page."""
        page = read_items_page(self.reply.body, convert)
        if page is not None:
            return page
        payload = decode_json(self.reply, "GET", self.path)
        try:
            whole = ItemsPage.from_payload(payload)
        except ValueError:
            raise EmbyResponseError(f"Emby GET {self.path}: not a QueryResult", path=self.path, status=200) from None
        return ConvertedItems.of(whole, convert)
