"""Where the test fixtures live: inside the repository, so a plain clone runs the whole suite."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Real Emby payloads (provenance in fixtures/emby/README.md).
EMBY_SAMPLES = FIXTURES / "emby" / "samples"
# The part of Emby's OpenAPI document the schema tests use (regenerate with scripts/trim-openapi).
EMBY_OPENAPI = FIXTURES / "emby" / "openapi_trimmed.json"
# A self-signed certificate for a TLS server on 127.0.0.1 (fixtures/tls/README.md).
TLS_CERT = FIXTURES / "tls" / "loopback.crt"
TLS_KEY = FIXTURES / "tls" / "loopback.key"
