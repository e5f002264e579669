"""Settings: a TOML file validated by pydantic, every key overridable from the environment.

Precedence (highest first): the fixed deployment names (TELEGRAM_BOT_TOKEN,
TELEGRAM_API_BASE_URL, TELEGRAM_API_BASE_FILE_URL), then `KADES_<SECTION>__<KEY>`,
then the TOML file, then the defaults below.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.sources.utils import parse_env_vars

DEFAULT_CONFIG_FILE = "config.toml"

# Names fixed by deployments and black-box tests; they map onto settings keys.
FIXED_ENV_NAMES = {
    "TELEGRAM_BOT_TOKEN": ("telegram", "token"),
    "TELEGRAM_API_BASE_URL": ("telegram", "api_base_url"),
    "TELEGRAM_API_BASE_FILE_URL": ("telegram", "api_base_file_url"),
}


class ConfigError(Exception):
    """Configuration that cannot be used; the message names the key and what is wrong."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TelegramSettings(_Section):
    token: SecretStr | None = None
    api_base_url: str = "https://api.telegram.org/bot"
    api_base_file_url: str = "https://api.telegram.org/file/bot"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    poll_timeout: int = Field(10, ge=0, le=50)

    @field_validator("api_base_url", "api_base_file_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        bot_id, _, secret = value.get_secret_value().partition(":")
        if not bot_id.isdigit() or not secret:
            raise ValueError("does not look like a bot token from @BotFather (digits:letters)")
        return value


class StorageSettings(_Section):
    path: Path = Path("data/kades-bot.sqlite3")
    busy_timeout_ms: int = Field(5000, ge=0)
    # Sent pushes (and handled updates) older than this are pruned; their counts stay.
    retention_days: int = Field(30, ge=1)


class BotSettings(_Section):
    default_language: Literal["id", "en"] = "id"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Shown in /bantuan and the group greeting.
    support_contact: str | None = None


class DeliverySettings(_Section):
    global_per_second: float = Field(30.0, gt=0)
    per_chat_per_second: float = Field(1.0, gt=0)
    group_per_minute: int = Field(20, gt=0)
    # Unused: retries end by time (expires_at, or retry_max_age_seconds), not by a count.
    max_attempts: int = Field(8, ge=1)
    backoff_base_seconds: float = Field(2.0, gt=0)
    backoff_max_seconds: float = Field(180.0, gt=0)
    # A push without expires_at is retried for at most this long after it was due.
    retry_max_age_seconds: float = Field(24 * 3600.0, gt=0)
    # A row 'sending' this long without a send in flight (its result could not be recorded)
    # is taken back and sent again, without waiting for a restart.
    lease_seconds: float = Field(60.0, gt=0)
    in_flight: int = Field(30, ge=1, le=200)
    quiet_start: time = time(21, 0)
    quiet_end: time = time(6, 0)
    # Our buckets run at rate x margin with a smaller burst than Telegram's, so jitter in
    # request arrival never drains Telegram's bucket (429s stay near zero).
    rate_margin: float = Field(0.97, gt=0, le=1)
    global_burst: int = Field(10, ge=1)
    per_chat_burst: int = Field(1, ge=1)
    # Unused: groups are limited by a rolling window (group_per_minute per group_window_seconds,
    # no burst above it). Kept so existing config files stay valid.
    group_burst: int = Field(10, ge=1)
    group_window_seconds: float = Field(60.0, gt=0)
    # Seconds between edits of a broadcast's progress message.
    progress_every_seconds: float = Field(3.0, ge=3.0)
    # Read timeout of one push; a timeout counts as a failed attempt (retried with backoff).
    send_timeout_seconds: float = Field(10.0, gt=0)
    # How often planners (digests, prompts) run.
    planner_every_seconds: float = Field(60.0, gt=0)


class InboxSettings(_Section):
    # false: PTB's own polling without the inbox (only for bench/updates.py's baseline).
    enabled: bool = True
    # Updates handled at once; one sender never holds more than one of them.
    workers: int = Field(8, ge=1, le=256)
    # Updates one sender may have waiting; the excess is dropped with one polite message.
    per_user_queue: int = Field(20, ge=1)
    # Handled rows are forgotten after this many days.
    keep_days: float = Field(7.0, gt=0)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="KADES_", env_nested_delimiter="__", extra="forbid", case_sensitive=False
    )

    telegram: TelegramSettings = TelegramSettings()
    storage: StorageSettings = StorageSettings()
    bot: BotSettings = BotSettings()
    delivery: DeliverySettings = DeliverySettings()
    inbox: InboxSettings = InboxSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # init carries the TOML file merged with the fixed env names (see load_settings);
        # KADES_* env must beat the file, so env comes first.
        return (_MappingEnvSource(settings_cls), init_settings)


_ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("kades_environ", default=None)


class _MappingEnvSource(EnvSettingsSource):
    """Reads KADES_* from the mapping load_settings was given instead of os.environ."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(_ENVIRON.get() or {}, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str)


def _deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def load_settings(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read the config file (optional unless named explicitly) and the environment."""
    env = os.environ if environ is None else environ
    explicit = path is not None or "KADES_CONFIG" in env
    config_path = Path(path or env.get("KADES_CONFIG") or DEFAULT_CONFIG_FILE)
    data: dict[str, Any] = {}
    if config_path.exists():
        try:
            data = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{config_path}: not valid TOML ({exc})") from None
    elif explicit:
        raise ConfigError(f"{config_path}: config file not found")

    fixed: dict[str, Any] = {}
    for name, (section, key) in FIXED_ENV_NAMES.items():
        if env.get(name):
            fixed.setdefault(section, {})[key] = env[name]
    data = _deep_merge(data, fixed)
    # The fixed names must beat KADES_TELEGRAM__*; drop those so env_settings cannot override them.
    env_for_settings = {k: v for k, v in env.items() if k.upper().startswith("KADES_")}
    for section, key in FIXED_ENV_NAMES.values():
        if key in fixed.get(section, {}):
            env_for_settings.pop(f"KADES_{section.upper()}__{key.upper()}", None)
    env_for_settings.pop("KADES_CONFIG", None)
    try:
        return _build(data, env_for_settings)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None


def _build(data: dict[str, Any], env: Mapping[str, str]) -> Settings:
    token = _ENVIRON.set(env)
    try:
        return Settings(**data)
    finally:
        _ENVIRON.reset(token)


def describe_validation_error(exc: ValidationError) -> str:
    """One line per problem: the dotted key and what is wrong. Never the value (it may be the token)."""
    lines = []
    for err in exc.errors(include_input=False, include_url=False):
        key = ".".join(str(part) for part in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        lines.append(f"{key}: {message}")
    return "; ".join(lines)
