from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

TOKEN = "123456:SECRET-abcdef"


def test_defaults_without_file_or_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(environ={})
    assert settings.telegram.token is None
    assert settings.telegram.api_base_url == "https://api.telegram.org/bot"
    assert settings.storage.path == Path("data/kades-bot.sqlite3")


def test_fixed_env_names_and_nested_overrides(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[storage]\npath = "from-file.sqlite3"\n[delivery]\ngroup_per_minute = 15\n')
    settings = load_settings(config, environ={
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
        "TELEGRAM_API_BASE_FILE_URL": "http://127.0.0.1:8081/file/bot",
        "KADES_STORAGE__PATH": str(tmp_path / "env.sqlite3"),
    })
    assert settings.telegram.token is not None and settings.telegram.token.get_secret_value() == TOKEN
    assert settings.telegram.api_base_url == "http://127.0.0.1:8081/bot"
    assert settings.telegram.api_base_file_url == "http://127.0.0.1:8081/file/bot"
    assert settings.storage.path == tmp_path / "env.sqlite3"  # env beats the file
    assert settings.delivery.group_per_minute == 15  # the file beats the default


def test_fixed_token_name_beats_the_nested_one() -> None:
    settings = load_settings(environ={"TELEGRAM_BOT_TOKEN": TOKEN, "KADES_TELEGRAM__TOKEN": "1:other"})
    assert settings.telegram.token is not None and settings.telegram.token.get_secret_value() == TOKEN


def test_kades_config_env_names_the_file(tmp_path: Path) -> None:
    config = tmp_path / "x.toml"
    config.write_text('[bot]\ndefault_language = "en"\n')
    assert load_settings(environ={"KADES_CONFIG": str(config)}).bot.default_language == "en"
    with pytest.raises(ConfigError, match="not found"):
        load_settings(environ={"KADES_CONFIG": str(tmp_path / "missing.toml")})


@pytest.mark.parametrize(
    ("toml", "env", "expected"),
    [
        ("[delivery]\ngroup_per_minute = 'banyak'\n", {}, "delivery.group_per_minute"),
        ("[telegram]\nmode = 'carrier-pigeon'\n", {}, "telegram.mode"),
        ("[storage]\npaht = 'typo'\n", {}, "storage.paht: unknown key"),
        ("", {"TELEGRAM_API_BASE_URL": "ftp://x"}, "telegram.api_base_url"),
        ("", {"KADES_DELIVERY__IN_FLIGHT": "0"}, "delivery.in_flight"),
        ("this is = = not toml", {}, "not valid TOML"),
    ],
)
def test_bad_config_names_the_key(tmp_path: Path, toml: str, env: dict[str, str], expected: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(toml)
    with pytest.raises(ConfigError) as info:
        load_settings(config, environ=env)
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_bad_token_error_never_shows_the_token() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(environ={"TELEGRAM_BOT_TOKEN": "not-a-token-SECRETVALUE"})
    assert "telegram.token" in str(info.value)
    assert "SECRETVALUE" not in str(info.value)


def test_example_config_is_valid_and_complete() -> None:
    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    settings = load_settings(example, environ={})
    text = example.read_text()
    for section in ("telegram", "storage", "bot", "delivery", "inbox"):
        model = getattr(settings, section)
        for key in type(model).model_fields:
            assert f"{key} =" in text, f"config.example.toml does not document {section}.{key}"
