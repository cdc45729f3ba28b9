"""Typed configuration from a YAML file plus environment; validated once with readable errors."""

from __future__ import annotations

import os
import re
from datetime import time
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.features.broadcasts.settings import BroadcastSettings
from bot.features.checkins.settings import CheckinSettings
from bot.features.escalations.settings import EscalationSettings
from bot.features.linking.settings import LinkingSettings
from bot.features.onboarding.settings import OnboardingSettings
from bot.features.privacy.settings import PrivacySettings
from bot.messages import Address
from bot.web.settings import WebSettings

_STRICT = ConfigDict(extra="forbid", frozen=True)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it


WEBHOOK_SECRET_MIN = 32


class ConfigError(Exception):
    """A config problem, phrased for the operator (key and file named)."""


class QuietHours(BaseModel):
    """Hours when the bot starts nothing on its own (local time of the person)."""

    model_config = _STRICT
    start: time = time(21, 0)
    end: time = time(8, 0)


class RateLimit(BaseModel):
    """Per-person limit on incoming messages; a flood gets one friendly notice."""

    model_config = _STRICT
    messages: int = Field(30, ge=1)
    per_seconds: float = Field(60, gt=0)


class BotSettings(BaseModel):
    """General behaviour."""

    model_config = _STRICT
    timezone: str = "Europe/Helsinki"
    default_language: Literal["en", "fi", "sv"] = "en"
    quiet_hours: QuietHours = QuietHours()
    consent_version: int = Field(1, ge=1)
    max_text_length: int = Field(4000, ge=100, le=100_000)
    rate_limit: RateLimit = RateLimit()
    # How people reach the programme's team outside the bot (shown to deactivated people).
    team_contact: str | None = Field(None, max_length=200)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown timezone {value!r} (use an IANA name like Europe/Helsinki)"
            ) from None
        return value


class DatabaseSettings(BaseModel):
    """Where the SQLite file lives."""

    model_config = _STRICT
    path: Path = Path("data/mentorbot.db")


class WebhookSettings(BaseModel):
    """Webhook mode: Telegram calls us on public_url; we listen on listen:port."""

    model_config = _STRICT
    listen: str = "127.0.0.1"
    port: int = Field(8443, ge=1, le=65535)
    url_path: str = "telegram"
    public_url: str
    secret_token_env: str = "TELEGRAM_WEBHOOK_SECRET"


class TelegramSettings(BaseModel):
    """The Telegram transport."""

    model_config = _STRICT
    enabled: bool = True
    token_env: str = "TELEGRAM_BOT_TOKEN"
    bot_username: str | None = None
    base_url: str | None = None
    mode: Literal["polling", "webhook"] = "polling"
    webhook: WebhookSettings | None = None
    poll_timeout: int = Field(30, ge=0, le=120)
    # Seconds between one answered poll and the next. A few milliseconds let updates that arrive
    # together come in one getUpdates instead of one each (a quiet bot waits in the long poll).
    poll_interval: float = Field(0.005, ge=0, le=5)
    # Messages a second over all chats (python-telegram-bot's AIORateLimiter; 0: no overall limit).
    # A little under Telegram's 30: at exactly 30, jitter puts a 31st send into some second, the 429
    # pauses every request for a second, replies included (bench/reply_latency.py: p95 1.1 s at 30,
    # 44 ms at 28).
    max_rate: float = Field(28, ge=0)
    # Seconds to wait for the Bot API's answer to a send (python-telegram-bot's default is 5).
    read_timeout: float = Field(5.0, gt=0, le=60)
    # HTTP connections kept to the Bot API (python-telegram-bot's default is 256). httpcore looks
    # at every pooled connection on each request, so a pool a burst filled slows every request
    # until the idle ones expire; 32 is far above what 30 messages a second need.
    connection_pool_size: int = Field(32, ge=4, le=256)

    @field_validator("bot_username")
    @classmethod
    def _username(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"@?[A-Za-z][A-Za-z0-9_]{3,31}", value):
            raise ValueError("a Telegram username: letters, digits and _, 4-32 characters")
        return value.lstrip("@") if value else value


class SignalSettings(BaseModel):
    """The Signal transport (signal-cli JSON-RPC daemon in HTTP mode)."""

    model_config = _STRICT
    enabled: bool = False
    url: str = "http://127.0.0.1:8080"
    account: str | None = None  # the bot's own number; required when enabled (load_config)

    @field_validator("account")
    @classmethod
    def _number(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\+[1-9]\d{6,14}", value):
            raise ValueError('the bot\'s Signal number with its country code, e.g. "+358401234567"')
        return value


class AdminSettings(BaseModel):
    """People who are admins from their first message on."""

    model_config = _STRICT
    telegram: list[int] = []
    signal: list[str] = []

    def includes(self, transport: str, sender_id: str, number: str | None = None) -> bool:
        """True when this sender (a Telegram user id; a Signal UUID or number) is listed."""
        listed = {str(i) for i in getattr(self, transport, [])}
        return sender_id in listed or (number is not None and number in listed)


class LoggingSettings(BaseModel):
    """Log level and format."""

    model_config = _STRICT
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


TEAM_TRANSPORTS = ("telegram", "signal")  # messengers with group chats


class ChatAddress(BaseModel):
    """One chat on one messenger, written "<transport>:<chat id>", e.g. "telegram:-1001234567890"."""

    model_config = _STRICT
    transport: str
    chat_id: str

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: object) -> object:
        if isinstance(value, ChatAddress):
            return value
        transport, _, chat_id = (
            value.strip().partition(":") if isinstance(value, str) else ("",) * 3
        )
        if transport not in TEAM_TRANSPORTS:
            raise ValueError(
                f'write the chat as "<transport>:<chat id>" with the transport '
                f'{" or ".join(TEAM_TRANSPORTS)}, e.g. "telegram:-1001234567890" (got {value!r})'
            )
        if not chat_id or re.search(r"\s", chat_id):
            raise ValueError(f"the chat id after '{transport}:' is missing or has spaces")
        if transport == "telegram" and not re.fullmatch(r"-?\d+", chat_id):
            raise ValueError(
                f"a Telegram chat id is a number, e.g. -1001234567890 (got {chat_id!r})"
            )
        return {"transport": transport, "chat_id": chat_id}

    def matches(self, address: Address) -> bool:
        """True when `address` is this chat (any forum topic of it)."""
        return address.transport == self.transport and address.chat_id == self.chat_id

    def address(self, thread_id: int | None = None) -> Address:
        """Where to send to this chat (`thread_id`: a forum topic)."""
        return Address(self.transport, self.chat_id, thread_id)


class TeamSettings(BaseModel):
    """Where the project team works together (`team:` in the file)."""

    model_config = _STRICT
    # The experts' group chat: questions are posted there, experts claim and answer them there.
    # None: every expert gets each question as a direct message.
    experts_chat: ChatAddress | None = None


class FeatureSettings(BaseModel):
    """Settings of single features (`features:` in the file)."""

    model_config = _STRICT
    escalations: EscalationSettings = EscalationSettings()
    checkins: CheckinSettings = CheckinSettings()
    broadcasts: BroadcastSettings = BroadcastSettings()
    linking: LinkingSettings = LinkingSettings()
    onboarding: OnboardingSettings = OnboardingSettings()


class Config(BaseModel):
    """The whole configuration."""

    model_config = _STRICT
    bot: BotSettings = BotSettings()
    database: DatabaseSettings = DatabaseSettings()
    content_dir: Path = Path(__file__).resolve().parent.parent / "content"
    telegram: TelegramSettings = TelegramSettings()
    signal: SignalSettings = SignalSettings()
    admins: AdminSettings = AdminSettings()
    team: TeamSettings = TeamSettings()
    privacy: PrivacySettings = PrivacySettings()
    logging: LoggingSettings = LoggingSettings()
    features: FeatureSettings = FeatureSettings()
    web: WebSettings | None = None  # the web console for staff and admins: off without `web:`

    @property
    def tz(self) -> ZoneInfo:
        """The default timezone."""
        return ZoneInfo(self.bot.timezone)

    def webhook_secret(self) -> str:
        """The webhook's secret token from the environment; ConfigError when missing or weak."""
        name = self.telegram.webhook.secret_token_env if self.telegram.webhook else "-"
        secret = os.environ.get(name, "").strip()
        if len(secret) < WEBHOOK_SECRET_MIN or not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ConfigError(
                f"Webhook mode needs a secret: set the environment variable {name} (named by "
                f"telegram.webhook.secret_token_env) to at least {WEBHOOK_SECRET_MIN} random "
                "characters from A-Z, a-z, 0-9, _ and -, for example the output of "
                "`python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`. Telegram sends it "
                "with every update and the bot refuses requests without it; without a secret anyone "
                "who finds the webhook address could post messages in any person's name. "
                + (
                    "It is not set."
                    if not secret
                    else "The one set is too short or has other characters."
                )
            )
        return secret

    def telegram_token(self) -> str:
        """The Telegram token from the environment; ConfigError when missing."""
        token = os.environ.get(self.telegram.token_env, "").strip()
        if not token:
            raise ConfigError(
                f"The Telegram bot token is missing: set the environment variable "
                f"{self.telegram.token_env} (named by telegram.token_env in the config). "
                f"Get a token from @BotFather; never put it in the YAML file."
            )
        return token


def load_config(path: Path | str | None, db_override: Path | str | None = None) -> Config:
    """Read and validate the config file; None gives the defaults. Raises ConfigError."""
    data: dict = {}
    source = str(path) if path else "(defaults)"
    if path is not None:
        file = Path(path)
        if not file.is_file():
            raise ConfigError(
                f"{source}: the config file does not exist. Copy config.example.yaml to "
                f"{source} and edit it, or pass --config with the right path."
            )
        try:
            data = yaml.load(file.read_text(encoding="utf-8"), Loader=_YAML_LOADER) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark else ""
            raise ConfigError(f"{source}: the file is not valid YAML{where}: {exc}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: the top level must be a mapping of keys (like 'bot:').")
    if db_override is not None:
        data.setdefault("database", {})
        if isinstance(data["database"], dict):
            data["database"]["path"] = str(db_override)
    _refuse_renamed_keys(source, data)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_explain(source, exc)) from None
    if config.telegram.mode == "webhook" and config.telegram.webhook is None:
        raise ConfigError(f"{source}: telegram.webhook: required when telegram.mode is webhook.")
    if config.signal.enabled and not config.signal.account:
        raise ConfigError(
            f"{source}: signal.account: required when signal.enabled is true: the bot's own Signal "
            'number in quotes, e.g. "+358401234567" (see docs/signal-cli.md).'
        )
    _refuse_port_clash(source, config)
    if path is not None and not config.content_dir.is_absolute():
        config = config.model_copy(
            update={"content_dir": (Path(path).parent / config.content_dir).resolve()}
        )
    return config


def _refuse_port_clash(source: str, config: Config) -> None:
    """The web console cannot listen where signal-cli or the Telegram webhook already does."""
    if config.web is None or config.web.port == 0:
        return
    taken = []
    if config.signal.enabled:
        url = urlsplit(config.signal.url)
        taken.append(("signal.url", url.hostname, url.port))
    if config.telegram.enabled and config.telegram.webhook is not None:
        hook = config.telegram.webhook
        taken.append(("telegram.webhook.port", hook.listen, hook.port))
    here = {"127.0.0.1", "localhost", "::1", "0.0.0.0", "::", config.web.host}
    for key, host, port in taken:
        if port == config.web.port and (host in here or config.web.host in ("0.0.0.0", "::")):
            raise ConfigError(
                f"{source}: web.listen uses port {port}, which {key} uses already: give the web "
                f'console another port, e.g. web: {{listen: "127.0.0.1:8090"}}.'
            )


def _refuse_renamed_keys(source: str, data: dict) -> None:
    """A key that moved gets an error naming its new place, not just "unknown key"."""
    telegram = data.get("telegram")
    if isinstance(telegram, dict) and "experts_group_id" in telegram:
        group = telegram["experts_group_id"]
        chat = f"telegram:{group}" if group is not None else "telegram:-1001234567890"
        raise ConfigError(
            f"{source}: telegram.experts_group_id is now team.experts_chat, written with its "
            f'messenger: replace it with `team: {{experts_chat: "{chat}"}}` (see '
            f"config.example.yaml)."
        )


def _explain(source: str, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown key (check the spelling against config.example.yaml)"
        parts.append(f"{key}: {message}")
    return f"{source}: the config is not valid: " + "; ".join(parts) + "."
