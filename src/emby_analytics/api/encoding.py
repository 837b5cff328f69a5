"""gzip for kept answers: asked for in `Accept-Encoding`, compressed once when an answer is kept.

A year of `/stats/usage` is ~8 MB of JSON and ~1.3 MB gzipped: once such an answer is kept, moving its bytes is
what it costs. Browsers and HTTP libraries ask for gzip; a client that does not gets the plain body.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

GZIP_MIN_BYTES = 1024  # smaller answers fit in a packet anyway: compressing them saves nothing worth the CPU
# zlib's default. Once per kept answer; on usage JSON level 9 takes ~3x as long for ~3 % fewer bytes, level 1 is
# ~25 % bigger.
GZIP_LEVEL = 6
_GZIP_WBITS = 31  # a gzip header and trailer (not a bare zlib stream); zlib writes no time in it: deterministic


def accepts_gzip(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    """Whether a request's `Accept-Encoding` allows gzip: `gzip` (or `x-gzip`), or else `*`, with a q above 0."""
    values = [value for name, value in headers if name == b"accept-encoding"]
    wildcard = False
    for part in b",".join(values).lower().split(b","):
        coding, _, params = part.partition(b";")
        coding = coding.strip()
        if coding in (b"gzip", b"x-gzip"):
            return _quality(params) > 0
        if coding == b"*":
            wildcard = _quality(params) > 0
    return wildcard


def gzipped(body: bytes) -> bytes | None:
    """`body` gzip-compressed, or None when that would not be smaller. Releases the GIL while it works."""
    packed = zlib.compress(body, GZIP_LEVEL, wbits=_GZIP_WBITS)
    return packed if len(packed) < len(body) else None


def _quality(params: bytes) -> float:
    for param in params.split(b";"):
        name, _, value = param.partition(b"=")
        if name.strip() == b"q":
            try:
                return float(value.strip())
            except ValueError:
                return 0.0  # a q we cannot read is not a yes
    return 1.0
