"""Hostile strings the simulator plants in user, item and device names (see design/security.md).

Every consumer test run therefore exercises HTML/JS injection, bidi overrides, astral-plane characters,
very long values and spreadsheet formula injection.
"""

from __future__ import annotations

SCRIPT_TAG = "<script>alert(1)</script>"
IMG_ONERROR = '"><img src=x onerror=alert(1)>'
RTL_OVERRIDE = "\u202eevil\u202c.exe gnp"
EMOJI_4BYTE = "🎬🍿 Movie Night 👨‍👩‍👧‍👦"
CSV_FORMULA = "=cmd|' /C calc'!A0"
LONG_NAME = "Long" + "x" * (10 * 1024 - 4)  # exactly 10 KiB of text

HOSTILE_USER_NAMES: tuple[str, ...] = (
    SCRIPT_TAG,
    IMG_ONERROR,
    RTL_OVERRIDE,
    EMOJI_4BYTE,
    LONG_NAME,
    CSV_FORMULA,
)

HOSTILE_TITLES: tuple[str, ...] = (
    "<script>alert('title')</script>",
    '"><img src=x onerror=alert(document.cookie)>',
    "The \u202eMatrix\u202c Reloaded",
    "💀 𝕳𝖔𝖗𝖗𝖔𝖗 Night 🎃",
    '=HYPERLINK("http://evil.example","click")',
    "Robert'); DROP TABLE items;--",
    "+SUM(1+1)*cmd|' /C calc'!A0",
    "Null\x00Byte and\ttab",
)

HOSTILE_DEVICE_NAMES: tuple[str, ...] = (
    "<img src=x onerror=alert('device')>",
    "Living Room \u202eVT\u202c",
    "@SUM(1+9)*cmd|' /C calc'!A0",
)
