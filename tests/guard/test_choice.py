"""The admin's choice of the guard beside the database: read back as written, and anything unreadable is no choice
(the setting applies) rather than a service that will not start."""

from __future__ import annotations

from pathlib import Path

import pytest

from emby_analytics.guard.choice import keep_choice, kept_choice


@pytest.mark.parametrize(
    ("content", "choice"),
    [
        ('{"prevent_4k_video_transcoding": true}', True),
        ('{"prevent_4k_video_transcoding": false}', False),
        ('{"prevent_4k_video_transcoding": "yes"}', None),
        ("[1, 2]", None),
        ("not json", None),
        ("", None),
    ],
)
def test_a_kept_choice_is_read_or_ignored(tmp_path: Path, content: str, choice: bool | None) -> None:
    path = tmp_path / "guard.json"
    path.write_text(content)
    assert kept_choice(path) is choice


def test_kept_then_changed(tmp_path: Path) -> None:
    path = tmp_path / "data" / "guard.json"
    assert kept_choice(path) is None
    keep_choice(path, True)
    assert kept_choice(path) is True
    keep_choice(path, False)
    assert kept_choice(path) is False
    assert [p.name for p in path.parent.iterdir()] == ["guard.json"], "no partial file left"
