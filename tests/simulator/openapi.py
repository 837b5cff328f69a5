"""Validate payloads against Emby's OpenAPI 3.0 schemas (jsonschema + a referencing registry).

OpenAPI 3.0 `nullable: true` is rewritten to a JSON-Schema null type; Emby's numeric formats (int32, int64),
`date-time` (Emby's 7-digit fractions) and `ipv4` are checked. `unknown_keys` additionally reports every
emitted key a schema does not declare (schemas here rarely say additionalProperties: false).
"""

from __future__ import annotations

import ipaddress
import json
import re
from functools import cache
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from tests.fixture_files import EMBY_OPENAPI as SPEC_PATH  # trimmed to what the tests validate against
from tests.fixture_files import EMBY_SAMPLES as SAMPLES

_URI = "urn:emby-openapi"
_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?Z$")


def _convert(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _convert(v) for k, v in node.items()}
        if out.pop("nullable", False):
            if "type" in out:
                out["type"] = [out["type"], "null"]
            elif "$ref" in out:
                out = {"anyOf": [{"$ref": out.pop("$ref")}, {"type": "null"}], **out}
        return out
    if isinstance(node, list):
        return [_convert(v) for v in node]
    return node


def _absolute(node: Any) -> Any:
    """Point local refs ("#/components/...") at the registered spec document."""
    if isinstance(node, dict):
        return {k: (_URI + v if k == "$ref" and v.startswith("#") else _absolute(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_absolute(v) for v in node]
    return node


def _format_checker() -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker(formats=())  # only the formats below; "time" is a .NET TimeSpan

    @checker.checks("date-time")
    def _date(value: object) -> bool:
        return not isinstance(value, str) or bool(_DATE.match(value))

    @checker.checks("int32")
    def _int32(value: object) -> bool:
        return not isinstance(value, int) or -(2**31) <= value < 2**31

    @checker.checks("int64")
    def _int64(value: object) -> bool:
        return not isinstance(value, int) or -(2**63) <= value < 2**63

    @checker.checks("ipv4")
    def _ipv4(value: object) -> bool:
        if not isinstance(value, str):
            return True
        ipaddress.IPv4Address(value)
        return True

    return checker


class OpenApi:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.schemas: dict[str, Any] = doc["components"]["schemas"]
        resource = Resource.from_contents(doc, default_specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource(_URI, resource)
        self.checker = _format_checker()

    @classmethod
    @cache
    def load(cls) -> OpenApi:
        raw = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
        return cls(_convert(raw))

    def response_schema(self, path: str, method: str = "get") -> dict[str, Any]:
        op = self.doc["paths"][path][method]
        return op["responses"]["200"]["content"]["application/json"]["schema"]  # type: ignore[no-any-return]

    def validate(self, instance: Any, schema: dict[str, Any] | str) -> None:
        """Raise jsonschema.ValidationError unless `instance` matches (schema name or schema dict)."""
        if isinstance(schema, str):
            schema = {"$ref": f"#/components/schemas/{schema}"}
        validator = jsonschema.Draft202012Validator(
            _absolute(schema), registry=self.registry, format_checker=self.checker
        )
        validator.validate(instance)

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema or ("anyOf" in schema and "$ref" in schema["anyOf"][0]):
            ref = schema["$ref"] if "$ref" in schema else schema["anyOf"][0]["$ref"]
            schema = self.schemas[ref.rsplit("/", 1)[1]]
        return schema

    def unknown_keys(self, instance: Any, schema: dict[str, Any] | str, where: str = "$") -> list[str]:
        """Paths of keys the schema does not declare (recursing through properties and array items)."""
        if isinstance(schema, str):
            schema = self.schemas[schema]
        schema = self.resolve(schema)
        problems: list[str] = []
        if isinstance(instance, dict) and "properties" in schema:
            props = schema["properties"]
            for key, value in instance.items():
                if key not in props:
                    problems.append(f"{where}.{key}")
                else:
                    problems.extend(self.unknown_keys(value, props[key], f"{where}.{key}"))
        elif isinstance(instance, list) and "items" in schema:
            for i, value in enumerate(instance):
                problems.extend(self.unknown_keys(value, schema["items"], f"{where}[{i}]"))
        return problems

    def check(self, instance: Any, schema: dict[str, Any] | str) -> None:
        """Schema-valid and no undeclared keys."""
        self.validate(instance, schema)
        unknown = self.unknown_keys(instance, schema)
        assert not unknown, f"keys not in the schema: {unknown[:20]}"


def sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))
