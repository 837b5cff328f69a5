"""The trimmed OpenAPI fixture is whole (every $ref resolves inside it) and is exactly what scripts/trim-openapi
writes, so it can be regenerated from Emby's full spec instead of being edited by hand."""

from __future__ import annotations

import json
from typing import Any

import pytest
from scripts.trim_openapi import KEEP_OPERATIONS, KEEP_SCHEMAS, dump, trim
from tests.fixture_files import EMBY_OPENAPI


def all_refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in all_refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in all_refs(value)]
    return []


def dangling(doc: dict[str, Any]) -> list[str]:
    """The $refs of `doc` that do not resolve inside it (written independently of the trimmer's resolver)."""
    bad = []
    for ref in all_refs(doc):
        node: Any = doc
        if not ref.startswith("#/"):
            bad.append(ref)  # another document: not allowed in the fixture
            continue
        for token in ref[2:].split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or token not in node:
                bad.append(ref)
                break
            node = node[token]
    return bad


@pytest.fixture(scope="module")
def text() -> str:
    return EMBY_OPENAPI.read_text(encoding="utf-8")


def test_every_ref_resolves_inside_the_fixture(text: str) -> None:
    doc = json.loads(text)
    refs = all_refs(doc)
    assert len(refs) > 100  # the walk really reaches the schemas
    assert dangling(doc) == []


def test_the_check_finds_a_dangling_ref(text: str) -> None:
    doc = json.loads(text)
    del doc["components"]["schemas"]["UserDto"]
    doc["paths"]["/Sessions"]["get"]["x-extra"] = {"$ref": "other.json#/components/schemas/X"}
    missing = dangling(doc)
    assert "#/components/schemas/UserDto" in missing
    assert "other.json#/components/schemas/X" in missing


def test_the_fixture_keeps_what_the_schema_tests_use(text: str) -> None:
    doc = json.loads(text)
    for path, method in KEEP_OPERATIONS:
        assert "schema" in doc["paths"][path][method]["responses"]["200"]["content"]["application/json"]
    assert set(KEEP_SCHEMAS) <= set(doc["components"]["schemas"])
    assert doc["info"]["version"] == "4.8.11.0"
    assert len(doc["info"]["x-trimmed-from"]["sha256"]) == 64


def test_the_fixture_is_the_trimmers_stable_output(text: str) -> None:
    # Trimming the trimmed document changes nothing: a hand-added path or schema the script would not keep, or
    # a layout it would not write (key order, indentation), shows up here.
    doc = json.loads(text)
    assert dump(doc) == text
    assert dump(trim(doc, source_sha256="ignored: the original's provenance is kept")) == text
