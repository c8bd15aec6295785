"""`python -m bot outbox [--json] [--status S]`, `outbox send`, `outbox run` and `outbox release`:
the mail waiting to go out, one sending pass, the sender loop that `python -m bot run` starts, and
sending what was held while mail was not configured."""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from contextlib import closing

from bot.adapters.mail import smtp_configured
from bot.composition import build_app, deliver_outbox
from bot.domain.statuses import OutboxStatus
from bot.services.outbox import outbox_rows, release_held


def cmd_outbox(args: argparse.Namespace) -> int:
    return {"list": _list, "send": _send_once, "run": _run, "release": _release}[args.action](args)


def _list(args: argparse.Namespace) -> int:
    status = OutboxStatus(args.status) if args.status else None
    with closing(build_app()) as app, app.unit_of_work() as session:
        rows = outbox_rows(session, status)
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for row in rows:
            print(f"#{row['id']}  {row['created_at'][:16]}  {row['status']:8} {row['attempts']}x  "
                  f"{row['kind']:15} {row['to'] or '-'}  {row['subject']}")
    return 0


def _send_once(args: argparse.Namespace) -> int:
    with closing(build_app()) as app:
        delivery = deliver_outbox(app)
    print(f"sent {delivery.sent}, failed {delivery.failed}")
    return 0


def _release(args: argparse.Namespace) -> int:
    with closing(build_app()) as app:
        if not smtp_configured(app.settings):
            print("mail is not configured (SMTP_HOST is empty): nothing released", file=sys.stderr)
            return 1
        with app.unit_of_work(for_write=True) as session:
            released = release_held(session, app.now())
    print(f"released {released} held message(s); the sender sends them on its next pass")
    return 0


def _run(args: argparse.Namespace) -> int:
    """Send due mail (and queue due reminders) every OUTBOX_POLL_SECONDS until SIGINT/SIGTERM."""
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    with closing(build_app()) as app:
        while not stopping.is_set():
            try:
                deliver_outbox(app)
            except Exception as exc:  # the database may be briefly away; the next pass retries
                print(f"outbox pass failed: {exc}", file=sys.stderr, flush=True)
            stopping.wait(app.settings.outbox_poll_seconds)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("outbox", help="list the outgoing mail, send it once (send), keep sending (run), "
                                               "or send what was held (release)")
    parser.add_argument("action", nargs="?", choices=("list", "send", "run", "release"), default="list")
    parser.add_argument("--json", action="store_true", help="list as a JSON array")
    parser.add_argument("--status", choices=OutboxStatus.values(), help="list only messages in this status")
    parser.set_defaults(func=cmd_outbox)
