"""Regenerate tests/fixtures/emby/openapi_trimmed.json from Emby's full OpenAPI document (2.7 MB).

The schema tests (tests/simulator/) validate the simulator against a few operations' responses and a few
component schemas. The fixture keeps exactly those (KEEP_OPERATIONS, KEEP_SCHEMAS) plus every component they
reference, transitively, so the repository needs no copy of the whole spec. Output is deterministic: sorted
keys, fixed indentation, one trailing newline; trimming the trimmed file again gives the same bytes.

Usage: scripts/trim-openapi [path/to/openapi_v3.json]   (default: the reference copy beside the repository)
A test that needs another operation or schema adds it below and reruns this script.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SPEC = ROOT.parent / "shared" / "emby-api" / "openapi_v3.json"
OUTPUT = ROOT / "tests" / "fixtures" / "emby" / "openapi_trimmed.json"

# What tests/simulator/test_sim_schema.py validates against.
KEEP_OPERATIONS = (
    ("/Items", "get"),
    ("/Items/Counts", "get"),
    ("/Library/VirtualFolders/Query", "get"),
    ("/Sessions", "get"),
    ("/Users/Query", "get"),
    ("/Users/{Id}", "get"),
    ("/Users/{UserId}/Items", "get"),
)
KEEP_SCHEMAS = ("BaseItemDto", "PublicSystemInfo", "SystemInfo", "UserDto", "VirtualFolderInfo")
# Path-item keys that are not operations (kept with any kept operation of the path).
_PATH_ITEM_KEYS = ("summary", "description", "parameters", "servers")
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def local_refs(node: Any) -> Iterator[str]:
    """Every local "$ref" ("#/...") in `node`, depth first."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            yield ref
        for value in node.values():
            yield from local_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from local_refs(value)


def pointer(ref: str) -> list[str]:
    """The unescaped JSON-pointer tokens of a local ref: "#/components/schemas/A~1B" -> [..., "A/B"]."""
    return [token.replace("~1", "/").replace("~0", "~") for token in ref[2:].split("/")]


def resolve(doc: Any, ref: str) -> Any:
    """The node `ref` points at; KeyError/IndexError when it does not resolve."""
    node = doc
    for token in pointer(ref):
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def trim(full: dict[str, Any], source_sha256: str) -> dict[str, Any]:
    """The kept operations and schemas of `full`, with every component they reference (transitively)."""
    paths: dict[str, Any] = {}
    for path, method in KEEP_OPERATIONS:
        item = full["paths"][path]
        kept = paths.setdefault(path, {k: item[k] for k in _PATH_ITEM_KEYS if k in item})
        kept[method] = item[method]
    components: dict[str, dict[str, Any]] = {"schemas": {}}
    pending = [f"#/components/schemas/{name}" for name in KEEP_SCHEMAS] + list(local_refs(paths))
    while pending:
        ref = pending.pop()
        tokens = pointer(ref)
        if len(tokens) != 3 or tokens[0] != "components":
            raise ValueError(f"unsupported $ref {ref!r}: only #/components/<kind>/<name> is kept")
        kind, name = tokens[1], tokens[2]
        if name in components.get(kind, {}):
            continue
        node = resolve(full, ref)
        components.setdefault(kind, {})[name] = node
        pending.extend(local_refs(node))
    # Security requirements name their schemes (no $ref); keep the named ones so the document stays whole.
    schemes = {
        scheme
        for item in paths.values()
        for method, op in item.items()
        if method in _METHODS
        for requirement in op.get("security", [])
        for scheme in requirement
    }
    if schemes:
        all_schemes = full["components"]["securitySchemes"]
        components["securitySchemes"] = {name: all_schemes[name] for name in schemes}
    info = dict(full["info"])
    # A re-trim of this file keeps the original's provenance (so trimming is idempotent).
    info.setdefault("x-trimmed-from", {"file": "openapi_v3.json", "sha256": source_sha256})
    out = {"openapi": full["openapi"], "info": info, "paths": paths, "components": components}
    if "servers" in full:
        out["servers"] = full["servers"]
    return out


def dump(doc: Any) -> str:
    return json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", nargs="?", type=Path, default=DEFAULT_SPEC, help="Emby's full openapi_v3.json")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="where to write (default: the test fixture)")
    args = parser.parse_args(argv)
    raw = args.spec.read_bytes()
    trimmed = dump(trim(json.loads(raw), hashlib.sha256(raw).hexdigest()))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(trimmed, encoding="utf-8")
    print(f"{args.output}: {len(trimmed.encode())} bytes from {len(raw)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
