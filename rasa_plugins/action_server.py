"""The action server, started by `python -m bot run` as `python -m rasa_plugins.action_server
--actions actions -p PORT` instead of `rasa run actions`, for three things rasa-sdk does not do:

- every call but /health must carry `Authorization: Bearer <ACTIONS_TOKEN>` (Rasa sends it from
  endpoints.yml's action_endpoint), so nothing on the machine can run actions around Rasa;
- a failing action answers `{"error": "the action failed"}` and logs the exception only: rasa-sdk's
  own handler echoes the whole request (the tracker, every message the visitor typed) to Rasa,
  which logs it;
- log records are redacted (bot.adapters.log_redaction) before any handler sees them;
- idle connections are kept open longer than Rasa's HTTP client keeps them (keep_connections_open).
"""
from __future__ import annotations

import hmac
import logging

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_app, create_argument_parser
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request

from bot.adapters import log_redaction
from bot.settings import load_settings

logger = logging.getLogger(__name__)

OPEN_PATHS = ("/health",)
# Rasa calls the actions through one aiohttp session, which reuses an idle connection for up to
# 15 s; Sanic closes idle ones after 5 s, and counts a new connection's wait for its first bytes as
# idleness too: under load (a busy event loop, fifty visitors at once on two shared cores) Rasa wrote
# to connections being closed and lost the action. A long idle timeout costs nothing here.
RASA_CLIENT_KEEPALIVE_SECONDS = 15
KEEP_ALIVE_SECONDS = 75


def bearer_matches(header: str, secret: str) -> bool:
    """Whether an Authorization header carries `secret` as its Bearer token (constant time)."""
    scheme, _, token = (header or "").strip().partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), secret.encode())


def guard(app: Sanic, secret: str) -> None:
    """Refuse (401) every request but /health without the shared secret; replace rasa-sdk's
    exception handler with one that echoes nothing."""
    if not secret:
        raise ValueError("ACTIONS_TOKEN is not set: the action server refuses to start without it")

    @app.middleware("request")
    async def require_secret(request: Request):
        if request.path not in OPEN_PATHS and not bearer_matches(request.headers.get("authorization", ""), secret):
            return response.json({"error": "unauthorised"}, status=401)
        return None

    async def action_failed(request: Request, exception: Exception):
        if isinstance(exception, SanicException):  # a wrong path or method: its own status, no trace
            return response.json({"error": type(exception).__name__}, status=exception.status_code)
        logger.error("action call failed: %s", type(exception).__name__, exc_info=exception)
        return response.json({"error": "the action failed"}, status=500)

    app.error_handler.add(Exception, action_failed)


def keep_connections_open(app: Sanic) -> None:
    """Keep idle connections open longer than Rasa's client reuses them: otherwise a turn under load
    could fail with "Cannot write to closing transport" (found by fuzzing, issue #12) and the
    visitor be asked to send the message again."""
    app.config.KEEP_ALIVE_TIMEOUT = KEEP_ALIVE_SECONDS


def main() -> None:
    log_redaction.install()
    args = create_argument_parser().parse_args()
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), args.log_file, args.loglevel,
                                 args.logging_config_file)
    utils.update_sanic_log_level()
    settings = load_settings()
    app = create_app(args.actions, cors_origins=args.cors, auto_reload=args.auto_reload)
    guard(app, settings.actions_token or "")
    keep_connections_open(app)
    logger.info("action server on %s:%s", settings.actions_host, args.port)
    app.run(settings.actions_host, args.port, workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    main()
