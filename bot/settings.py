"""The one place that reads the environment (python-dotenv loads `.env` from the project root).

Every setting is documented in `.env.example`; with no `.env` at all the defaults below work.
Reading settings has no side effects: development secrets that are not set are read from
var/*.secret when those files exist; `bot.ops.secrets.ensure_dev_secrets` creates them.
"""
from __future__ import annotations

import enum
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Tuple

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"


def _load_dotenv() -> None:
    load_dotenv(PROJECT_ROOT / ".env", override=False)


DEV_SECRETS = ("rasa_token", "secret_key", "actions_token", "data_keys", "lookup_key")


def dev_secret_path(name: str) -> Path:
    return VAR_DIR / f"{name}.secret"


def _dev_secret(name: str) -> Optional[str]:
    """A development secret kept in var/ (git-ignored) so restarts agree; None until created."""
    path = dev_secret_path(name)
    return path.read_text().strip() if path.exists() else None


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


def _bool(name: str) -> bool:
    return os.environ.get(name, "false").strip().lower() in ("1", "true", "yes", "on")


def _bool_default(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


def _list(name: str) -> Tuple[str, ...]:
    raw = os.environ.get(name, "")
    return tuple(item.strip() for item in raw.split(",") if item.strip())


class SmtpSecurity(str, enum.Enum):
    """How mail reaches the SMTP server: STARTTLS on the plain port (the default), implicit TLS
    (SMTPS, usually port 465), or plain text, which is only for a relay on this machine."""

    STARTTLS = "starttls"
    TLS = "tls"
    PLAIN = "plain"


LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


class RasaRouting(str, enum.Enum):
    """How the gateway picks one of RASA_URLS: by a stable hash of the conversation (every turn of a
    conversation on one replica), or the next replica for each turn of a conversation (to prove that
    turns can move between replicas; the scale-out test uses it)."""

    CONVERSATION = "conversation"
    TURN = "turn"


MEMORY_STORE = "memory"


def _choice(name: str, enum_type, default):
    raw = (os.environ.get(name) or default.value).strip().lower()
    try:
        return enum_type(raw)
    except ValueError:
        choices = ", ".join(member.value for member in enum_type)
        raise ValueError(f"{name} must be one of {choices}, got {raw!r}") from None


def _redis_url(name: str, raw: Optional[str]) -> Optional[str]:
    if raw and not raw.startswith(("redis://", "rediss://")):
        raise ValueError(f"{name} must be a redis:// or rediss:// URL, got {raw!r}")
    return raw or None


def _rate_limit_store(redis_url: Optional[str]) -> str:
    """RATE_LIMIT_STORE: `memory` (this process only) or a Redis URL; default REDIS_URL if set."""
    raw = (os.environ.get("RATE_LIMIT_STORE") or "").strip()
    if raw.lower() == MEMORY_STORE:
        return MEMORY_STORE
    return _redis_url("RATE_LIMIT_STORE", raw) or redis_url or MEMORY_STORE


def _smtp_security(host: Optional[str], user: Optional[str]) -> SmtpSecurity:
    raw = (os.environ.get("SMTP_SECURITY") or SmtpSecurity.STARTTLS.value).strip().lower()
    try:
        security = SmtpSecurity(raw)
    except ValueError:
        choices = ", ".join(member.value for member in SmtpSecurity)
        raise ValueError(f"SMTP_SECURITY must be one of {choices}, got {raw!r}") from None
    if security is SmtpSecurity.PLAIN and user and host not in LOCAL_HOSTS:
        raise ValueError(f"SMTP_SECURITY=plain would send SMTP_USER's password to {host} unencrypted: "
                         "use starttls or tls (plain is only for a relay on this machine)")
    return security


def _keys(raw: str) -> Tuple[str, ...]:
    """DATA_KEYS: comma-separated, newest first (the first encrypts, every one decrypts)."""
    return tuple(key.strip() for key in raw.split(",") if key.strip())


@dataclass(frozen=True)
class Settings:
    database_url: str
    clinic_profile: Path
    rasa_url: str
    rasa_port: int
    rasa_token: Optional[str]
    actions_port: int
    web_host: str
    web_port: int
    secret_key: Optional[str]
    actions_token: Optional[str] = None
    cors_origins: Tuple[str, ...] = field(default_factory=tuple)
    smtp_host: Optional[str] = None
    smtp_port: int = 25
    smtp_user: Optional[str] = None
    smtp_password: Optional[str] = None
    smtp_security: SmtpSecurity = SmtpSecurity.STARTTLS
    smtp_ca_file: Optional[Path] = None  # None: the system's certificate authorities
    mail_from: str = "assistant@localhost"
    clinic_notify_email: Optional[str] = None
    chat_max_message_chars: int = 1000
    chat_rate_per_session: int = 30
    chat_rate_per_ip: int = 120
    staff_lockout_attempts: int = 5
    staff_lockout_minutes: int = 15
    cookie_secure: bool = False  # served over HTTPS (behind a proxy that terminates TLS, too)
    trusted_proxies: Tuple[str, ...] = field(default_factory=tuple)  # their X-Forwarded-* are believed
    staff_idle_minutes: int = 15
    staff_session_hours: int = 12
    staff_require_totp: bool = True
    staff_reauth_minutes: int = 5
    staff_signin_failures_per_ip: int = 20  # per STAFF_LOCKOUT_MINUTES, from one address
    staff_signin_failures_per_minute: int = 30  # across all accounts and addresses
    booking_max_active_per_contact: int = 1
    chat_sessions_per_ip: int = 20
    chat_bookings_per_ip: int = 5
    clinic_language: str = "en"
    clinic_messages: Optional[Path] = None  # None: clinic/messages.<clinic_language>.yml
    public_url: Optional[str] = None  # the web service as patients reach it; None: http://WEB_HOST:WEB_PORT
    reminder_hours: int = 24
    manage_link_days: int = 30
    outbox_max_attempts: int = 8
    outbox_poll_seconds: int = 30
    data_keys: Tuple[str, ...] = field(default_factory=tuple)  # Fernet keys, newest first (encrypts)
    lookup_key: Optional[str] = None  # the HMAC key of the equality lookups (reference, phone, e-mail)
    retention_days: int = 365
    live_chat: bool = True  # "talk to a person" during office hours queues the chat for staff
    live_wait_seconds: int = 120  # after this long with nobody taking it, a callback is offered instead
    rasa_urls: Tuple[str, ...] = field(default_factory=tuple)  # the Rasa replicas; empty: (rasa_url,)
    rasa_routing: RasaRouting = RasaRouting.CONVERSATION
    redis_url: Optional[str] = None  # the shared Redis (lock store and gateway store by default)
    lock_store_url: Optional[str] = None  # Rasa's RedisLockStore; None: Rasa's in-memory lock store
    rate_limit_store: str = MEMORY_STORE  # `memory` or a Redis URL: the gateway's limits and offers
    actions_url: Optional[str] = None  # Rasa's action endpoint; None: http://127.0.0.1:ACTIONS_PORT/webhook
    actions_host: str = "127.0.0.1"  # the action server's bind address (0.0.0.0 in a container)
    rasa_timeout_seconds: int = 60  # the gateway's wait for Rasa's answer to one turn
    web_workers: Optional[int] = None  # uvicorn worker processes; None: 1 (`run`), 2 (`run-cluster`)

    @property
    def action_endpoint(self) -> str:
        return self.actions_url or f"http://127.0.0.1:{self.actions_port}/webhook"

    @property
    def rasa_replicas(self) -> Tuple[str, ...]:
        """Where the gateway reaches Rasa: RASA_URLS, or the one RASA_URL."""
        return self.rasa_urls or (self.rasa_url,)

    @property
    def public_base_url(self) -> str:
        """Where links in patient mail point (the manage page)."""
        return (self.public_url or f"http://{self.web_host}:{self.web_port}").rstrip("/")

    @property
    def messages_path(self) -> Path:
        return self.clinic_messages or PROJECT_ROOT / "clinic" / f"messages.{self.clinic_language}.yml"

    def require(self, name: str) -> str:
        """A secret setting that must be set, or a clear error naming it."""
        value = getattr(self, name)
        if not value:
            raise ValueError(f"{name.upper()} is not set: set it in .env, or start with `python -m bot run`, "
                             f"which creates a development value in {dev_secret_path(name)}")
        return value


def load_settings() -> Settings:
    """Read settings from the environment (after loading `.env`)."""
    _load_dotenv()
    env = os.environ
    default_db = f"sqlite:///{VAR_DIR / 'clinic.db'}"
    rasa_port = _int("RASA_PORT", 5005)
    redis_url = _redis_url("REDIS_URL", env.get("REDIS_URL"))
    database_url = env.get("DATABASE_URL") or default_db
    if database_url.startswith("sqlite:///") and not database_url.startswith("sqlite:////"):
        # A relative SQLite path is relative to the project root, whoever starts the process.
        database_url = f"sqlite:///{PROJECT_ROOT / database_url[len('sqlite:///'):]}"
    return Settings(
        database_url=database_url,
        clinic_profile=Path(env.get("CLINIC_PROFILE") or PROJECT_ROOT / "clinic" / "profile.yml"),
        rasa_url=env.get("RASA_URL") or f"http://127.0.0.1:{rasa_port}",
        rasa_port=rasa_port,
        rasa_token=env.get("RASA_TOKEN") or _dev_secret("rasa_token"),
        actions_port=_int("ACTIONS_PORT", 5055),
        web_host=env.get("WEB_HOST") or "127.0.0.1",
        web_port=_int("WEB_PORT", 8000),
        secret_key=env.get("SECRET_KEY") or _dev_secret("secret_key"),
        actions_token=env.get("ACTIONS_TOKEN") or _dev_secret("actions_token"),
        cors_origins=_list("CORS_ORIGINS"),
        smtp_host=env.get("SMTP_HOST") or None,
        smtp_port=_int("SMTP_PORT", 465 if (env.get("SMTP_SECURITY") or "").strip().lower() == "tls" else 25),
        smtp_user=env.get("SMTP_USER") or None,
        smtp_password=env.get("SMTP_PASSWORD") or None,
        smtp_security=_smtp_security(env.get("SMTP_HOST") or None, env.get("SMTP_USER") or None),
        smtp_ca_file=Path(env["SMTP_CA_FILE"]) if env.get("SMTP_CA_FILE") else None,
        mail_from=env.get("MAIL_FROM") or "assistant@localhost",
        clinic_notify_email=env.get("CLINIC_NOTIFY_EMAIL") or None,
        chat_max_message_chars=_int("CHAT_MAX_MESSAGE_CHARS", 1000),
        chat_rate_per_session=_int("CHAT_RATE_PER_SESSION", 30),
        chat_rate_per_ip=_int("CHAT_RATE_PER_IP", 120),
        staff_lockout_attempts=_int("STAFF_LOCKOUT_ATTEMPTS", 5),
        staff_lockout_minutes=_int("STAFF_LOCKOUT_MINUTES", 15),
        cookie_secure=_bool("COOKIE_SECURE"),
        trusted_proxies=_list("TRUSTED_PROXIES"),
        staff_idle_minutes=_int("STAFF_IDLE_MINUTES", 15),
        staff_session_hours=_int("STAFF_SESSION_HOURS", 12),
        staff_require_totp=_bool_default("STAFF_REQUIRE_TOTP", True),
        staff_reauth_minutes=_int("STAFF_REAUTH_MINUTES", 5),
        staff_signin_failures_per_ip=_int("STAFF_SIGNIN_FAILURES_PER_IP", 20),
        staff_signin_failures_per_minute=_int("STAFF_SIGNIN_FAILURES_PER_MINUTE", 30),
        booking_max_active_per_contact=_int("BOOKING_MAX_ACTIVE_PER_CONTACT", 1),
        chat_sessions_per_ip=_int("CHAT_SESSIONS_PER_IP", 20),
        chat_bookings_per_ip=_int("CHAT_BOOKINGS_PER_IP", 5),
        clinic_language=(env.get("CLINIC_LANGUAGE") or "en").strip().lower(),
        clinic_messages=Path(env["CLINIC_MESSAGES"]) if env.get("CLINIC_MESSAGES") else None,
        public_url=env.get("PUBLIC_URL") or None,
        reminder_hours=_int("REMINDER_HOURS", 24),
        manage_link_days=_int("MANAGE_LINK_DAYS", 30),
        outbox_max_attempts=_int("OUTBOX_MAX_ATTEMPTS", 8),
        outbox_poll_seconds=_int("OUTBOX_POLL_SECONDS", 30),
        data_keys=_keys(env.get("DATA_KEYS") or _dev_secret("data_keys") or ""),
        lookup_key=env.get("LOOKUP_KEY") or _dev_secret("lookup_key"),
        retention_days=_int("RETENTION_DAYS", 365),
        live_chat=os.environ.get("LIVE_CHAT", "true").strip().lower() in ("1", "true", "yes", "on"),
        live_wait_seconds=_int("LIVE_WAIT_SECONDS", 120),
        rasa_urls=tuple(url.rstrip("/") for url in _list("RASA_URLS")),
        rasa_routing=_choice("RASA_ROUTING", RasaRouting, RasaRouting.CONVERSATION),
        redis_url=redis_url,
        lock_store_url=_redis_url("LOCK_STORE_URL", env.get("LOCK_STORE_URL")) or redis_url,
        rate_limit_store=_rate_limit_store(redis_url),
        actions_url=env.get("ACTIONS_URL") or None,
        actions_host=env.get("ACTIONS_HOST") or "127.0.0.1",
        rasa_timeout_seconds=_int("RASA_TIMEOUT_SECONDS", 60),
        web_workers=_int("WEB_WORKERS", 0) or None,
    )
