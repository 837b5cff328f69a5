"""Settings: parsing, validation messages, secrets never echoed, and docs kept in step with the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from emby_analytics.config import ConfigError, Settings, load_settings, setting_names

ROOT = Path(__file__).resolve().parents[1]


def test_defaults() -> None:
    settings = load_settings({})
    assert settings.port == 8080
    assert settings.now_poll_sec == 5
    assert settings.refresh_interval == 60
    assert settings.refresh_chunk_size == 100
    assert settings.history_days == 2
    assert settings.tz == "UTC"
    assert settings.sqlite_path == Path("/var/lib/emby-analytics/emby.db")
    assert settings.admin_token is None
    assert settings.web_path is None


def test_values_are_parsed_and_normalised() -> None:
    settings = load_settings(
        {
            "EMBY_BASE_URL": "http://emby:8096/emby/",
            "emby_api_key": "k" * 32,
            "NOW_POLL_SEC": "7",
            "LOG_LEVEL": "DEBUG",
            "ADMIN_AUTO_COOKIE": "Local",
            "TZ": "Europe/Berlin",
            "SQLITE_PATH": "/tmp/x/e.db",
            "UNRELATED": "ignored",
        }
    )
    assert settings.emby_base_url == "http://emby:8096/emby"
    assert settings.emby_api_key.get_secret_value() == "k" * 32
    assert settings.now_poll_sec == 7
    assert settings.log_level == "debug"
    assert settings.admin_auto_cookie == "local"
    assert settings.zone.key == "Europe/Berlin"
    assert settings.data_dir == Path("/tmp/x")
    assert settings.external_url == "http://emby:8096/emby"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("NOW_POLL_SEC", "0", "greater than or equal to 1"),
        ("PORT", "70000", "less than or equal to 65535"),
        ("PORT", "eighty", "valid integer"),
        ("REFRESH_CHUNK_SIZE", "5000", "less than or equal to 1000"),
        ("TZ", "Mars/Olympus", "IANA time zone"),
        ("LOG_LEVEL", "loud", "must be one of"),
        ("ADMIN_AUTO_COOKIE", "sometimes", "must be one of"),
        ("EMBY_BASE_URL", "emby:8096", "http:// or https://"),
        ("EMBY_BASE_URL", "http://emby:8096/?api_key=x", "must not carry a query"),
        ("EMBY_EXTERNAL_URL", "ftp://emby", "http:// or https://"),
        ("EMBY_API_KEY", "abc def", "spaces or control characters"),
    ],
)
def test_invalid_value_names_the_variable(name: str, value: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({name: value})
    message = str(info.value)
    assert f"{name}:" in message
    assert expected in message


def test_invalid_secret_is_not_echoed() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"EMBY_API_KEY": "super-secret-value", "PORT": "0"})
    assert "super-secret-value" not in str(info.value)


def test_env_file_is_read_and_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("NOW_POLL_SEC=11\nPORT=9000\n")
    for name in setting_names():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PORT", "9100")
    settings = load_settings(env_file=env_file)
    assert settings.now_poll_sec == 11
    assert settings.port == 9100


def test_every_setting_is_documented() -> None:
    docs = (ROOT / "docs" / "configuration.md").read_text()
    example = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", docs, flags=re.M))
    in_example = set(re.findall(r"^([A-Z0-9_]+)=", example, flags=re.M))
    names = set(setting_names())
    assert names - documented == set(), "settings missing from docs/configuration.md"
    assert names - in_example == set(), "settings missing from .env.example"
    assert documented - names == set(), "docs/configuration.md documents settings that do not exist"
    assert in_example - names == set(), ".env.example lists settings that do not exist"


def test_env_example_holds_the_defaults() -> None:
    from_example = load_settings({}, env_file=None)
    example = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert load_settings(example) == from_example


def test_settings_are_immutable() -> None:
    settings = load_settings({})
    with pytest.raises(ValueError, match="frozen"):
        settings.port = 1  # type: ignore[misc]
    assert isinstance(settings, Settings)


def test_a_password_in_a_rejected_url_is_not_echoed() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"EMBY_BASE_URL": "http://admin:hunter2secret@emby:8096/?x=1"})
    assert "hunter2secret" not in str(info.value)
    assert "EMBY_BASE_URL" in str(info.value)
