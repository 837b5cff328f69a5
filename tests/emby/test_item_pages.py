"""A page of /Items read one item at a time reads exactly as the whole page did: same items, same skips, same counts."""

from __future__ import annotations

import json
import logging
import math
import weakref
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import API_KEY
from tests.fixture_files import EMBY_SAMPLES

from emby_analytics.clock import ManualClock
from emby_analytics.emby import SYNC_ITEM_FIELDS, EmbyClient, EmbyResponseError
from emby_analytics.emby.connection import Reply, decode_json
from emby_analytics.emby.item_pages import ConvertedItems, ItemsReply, read_items_page
from emby_analytics.emby.models import BaseItem, ItemsPage
from emby_analytics.simulator import Simulator, World, WorldSpec
from emby_analytics.sync.item_rows import item_row

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _as_is(item: BaseItem) -> BaseItem:
    return item


def _whole_page(body: bytes) -> ItemsPage:
    """The page as it was read before: all of it through json.loads, then every record through BaseItem."""
    return ItemsPage.from_payload(decode_json(Reply(200, "application/json", body), "GET", "/Items"))


def _assert_reads_as_whole_page(body: bytes) -> None:
    read = read_items_page(body, _as_is)
    assert read is not None, "the one-pass reader took the page"
    whole = _whole_page(body)
    assert read.values == whole.items
    assert (read.skipped, read.total_record_count, read.start_index) == (
        whole.skipped,
        whole.total_record_count,
        whole.start_index,
    )


def test_a_captured_emby_page_reads_as_before() -> None:
    _assert_reads_as_whole_page((EMBY_SAMPLES / "items_series_query_emby48_truncated.json").read_bytes())


def test_captured_emby_items_read_as_before() -> None:
    items = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(EMBY_SAMPLES.glob("item_*.json"))]
    items.append(json.loads((EMBY_SAMPLES / "nowplayingitem_episode_emby48.json").read_text())["NowPlayingItem"])
    body = json.dumps({"Items": items, "TotalRecordCount": len(items), "StartIndex": 0}).encode()
    _assert_reads_as_whole_page(body)


async def _simulated_pages() -> list[bytes]:
    """Every page of the demo library, with every field the sync asks for, as the simulator serves them."""
    clock = ManualClock(NOW)
    simulator = Simulator(World.generate(WorldSpec.demo(), clock), clock, api_key=API_KEY)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=simulator.app())) as http:
        emby = EmbyClient(http, "http://emby.test:8096", API_KEY, sleep=clock.sleep)
        bodies = []
        for library in simulator.world.libraries:
            start = 0
            while True:
                reply = await emby.items_reply(
                    parent_id=str(library.id), start_index=start, limit=500, fields=SYNC_ITEM_FIELDS
                )
                bodies.append(reply.reply.body)
                if len(json.loads(reply.reply.body)["Items"]) < 500:
                    break
                start += 500
    return bodies


async def test_every_simulated_page_reads_as_before_into_the_same_rows() -> None:
    bodies = await _simulated_pages()
    assert sum(len(json.loads(body)["Items"]) for body in bodies) > 4000
    for body in bodies:
        _assert_reads_as_whole_page(body)
        rows = read_items_page(body, lambda item: item_row(item, "1", NOW))
        assert rows is not None
        assert rows.values == [item_row(item, "1", NOW) for item in _whole_page(body).items]


def test_only_one_item_model_exists_at_a_time() -> None:
    items = [
        {"Id": str(i), "Name": f"item {i}", "MediaStreams": [{"Type": "Video", "Codec": "h264"}]} for i in range(20)
    ]
    body = json.dumps({"Items": items, "TotalRecordCount": 20}).encode()
    alive: set[int] = set()
    most = 0

    def convert(item: BaseItem) -> str:
        nonlocal most
        alive.add(id(item))
        weakref.finalize(item, alive.discard, id(item))
        most = max(most, len(alive))
        return item.id

    page = read_items_page(body, convert)
    assert page is not None and page.values == [str(i) for i in range(20)]
    assert most == 1, "an item's model is gone before the next item is read"
    assert not alive


def test_a_bad_record_is_skipped_logged_and_counted_as_before(caplog: pytest.LogCaptureFixture) -> None:
    records = [{"Id": "1"}, {"Name": "no id <script>"}, {"Id": "3", "MediaSources": "not a list"}, "x", {"Id": "5"}]
    body = json.dumps({"Items": records, "TotalRecordCount": 5}).encode()
    with caplog.at_level(logging.WARNING):
        page = read_items_page(body, _as_is)
    assert page is not None and [i.id for i in page.values] == ["1", "5"]
    assert page.skipped == 3 and page.received == 5
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 3 and any("id=3" in w for w in warnings)
    assert not any("<script>" in w for w in warnings)


@pytest.mark.parametrize(
    "body",
    [
        b'{"Items": [{"Id": "1", "Name": "\\ud800"}]}',  # a lone surrogate: json.loads keeps it
        b'\xef\xbb\xbf{"Items": [{"Id": "1"}]}',  # a BOM
        '{"Items": [{"Id": "1"}]}'.encode("utf-16"),
        b'{"Items": [{"Id": 1, "Name": 12345678901234567890123456789012345678901}]}',  # json.loads: Name "inf"
        b'{"Items": [{"Id": "1", "Size": ' + b"9" * 5000 + b"}]}",
        b'{"Items": null, "TotalRecordCount": 3}',
        b'{"Items": {}, "TotalRecordCount": 3}',
        b'{"Items": [], "TotalRecordCount": 99999999999999999999999999999999999999999}',
    ],
    ids=["surrogate", "bom", "utf16", "41 digits", "5000 digits", "items null", "items object", "huge total"],
)
def test_pages_it_does_not_take_are_read_the_old_way(body: bytes) -> None:
    assert read_items_page(body, _as_is) is None
    page = ItemsReply("/Items", Reply(200, "application/json", body)).converted(_as_is)
    whole = _whole_page(body)
    assert page == ConvertedItems(whole.items, whole.skipped, whole.total_record_count, whole.start_index)


@pytest.mark.parametrize("body", [b"[]", b'{"Items": "x"}', b"null", b'{"Items": [', b"\xff"])
def test_what_is_no_page_is_an_error_as_before(body: bytes) -> None:
    with pytest.raises(EmbyResponseError):
        ItemsReply("/Items", Reply(200, "application/json", body)).converted(_as_is)


# Values json.loads and pydantic-core both read, big integers and special floats included.
_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**38, max_value=10**45)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["Video", "Audio", "Subtitle", "Placeholder", "Virtual", "2024-01-02T03:04:05.1234567Z", "h264"])
)
_values = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=16,
)
_fields = _scalars | _scalars | _values  # mostly plausible, sometimes anything
_stream = st.fixed_dictionaries(
    {},
    optional={name: _fields for name in ("Type", "Codec", "Index", "IsDefault", "Language", "Width", "RealFrameRate")},
)
_source = st.fixed_dictionaries(
    {}, optional={"Type": _fields, "Size": _fields, "Path": _fields, "MediaStreams": st.lists(_stream, max_size=3)}
)
_item = st.fixed_dictionaries(
    {"Id": st.integers(0, 10**9) | st.text("0123456789abcdef", min_size=1, max_size=8) | _values},
    optional={
        **{
            name: _fields
            for name in (
                "Name",
                "Type",
                "Size",
                "RunTimeTicks",
                "DateCreated",
                "ProviderIds",
                "Genres",
                "ImageTags",
                "UserData",
                "Studios",
                "LocationType",
                "ParentId",
            )
        },
        "MediaStreams": st.lists(_stream, max_size=3) | _values,
        "MediaSources": st.lists(_source, max_size=2) | _values,
    },
)
_page = st.fixed_dictionaries(
    {"Items": st.lists(_item, min_size=1, max_size=5)},
    optional={"TotalRecordCount": _fields, "StartIndex": _fields},
) | st.fixed_dictionaries(
    {},
    optional={
        "Items": st.lists(_item, max_size=5) | st.lists(_item | _values, max_size=5) | _values,
        "TotalRecordCount": _fields,
        "StartIndex": _fields,
    },
)


def _same(a: Any, b: Any) -> bool:
    # A model never keeps NaN (the lenient types drop it), but compare NaN as equal anyway.
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def _flat(page: ConvertedItems[Any] | ItemsPage) -> Iterator[Any]:
    if isinstance(page, ItemsPage):
        yield from (page.items, page.skipped, page.total_record_count, page.start_index)
    else:
        yield from (page.values, page.skipped, page.total_record_count, page.start_index)


@settings(max_examples=400, deadline=None)
@given(_page | _values)
def test_any_page_reads_as_the_whole_page_did(payload: Any) -> None:
    body = json.dumps(payload).encode()
    try:
        whole: ItemsPage | None = _whole_page(body)
    except (ValueError, EmbyResponseError):
        whole = None
    read = read_items_page(body, _as_is)
    if whole is None:
        assert read is None, "a payload the old way refuses is left to it"
        return
    if read is not None:
        assert all(_same(a, b) for a, b in zip(_flat(read), _flat(whole), strict=True))
