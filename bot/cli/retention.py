"""`python -m bot purge [--older-than DAYS] [--yes]`, `python -m bot erase (--reference CODE | --intake ID)`
and `python -m bot rotate-key`: keeping patient data only as long as needed, removing one visitor,
re-encrypting under the newest key (bot.services.retention, bot.adapters.rekey)."""
from __future__ import annotations

import argparse
import sys
from contextlib import closing
from datetime import timedelta

from bot.adapters.rekey import rotate_keys
from bot.composition import build_app
from bot.services.retention import erasable_intake, erase, purge


def cmd_purge(args: argparse.Namespace) -> int:
    with closing(build_app()) as app:
        days = app.settings.retention_days if args.older_than is None else args.older_than
        if days < 1:
            print("--older-than must be at least 1 day", file=sys.stderr)
            return 2
        cutoff = app.now() - timedelta(days=days)
        with app.unit_of_work(for_write=True) as session:
            removal = purge(session, cutoff, dry_run=not args.yes)
    if args.yes:
        print(f"removed what was idle for more than {days} days: {removal.summary()}")
    else:
        print(f"dry run, nothing removed; idle for more than {days} days: {removal.summary()}")
        print("run again with --yes to remove them")
    return 0


def cmd_erase(args: argparse.Namespace) -> int:
    how = "by booking reference" if args.reference else "by intake id"
    with closing(build_app()) as app, app.unit_of_work(for_write=True) as session:
        intake_id = erasable_intake(session, intake_id=args.intake, reference=args.reference)
        removal = erase(session, intake_id, how) if intake_id is not None else None
    if removal is None:
        print("no intake with that " + ("reference" if args.reference else "id"), file=sys.stderr)
        return 1
    print(f"erased intake #{intake_id}: {removal.summary()}")
    return 0


def cmd_rotate_key(args: argparse.Namespace) -> int:
    with closing(build_app()) as app, app.unit_of_work(for_write=True) as session:
        changed = rotate_keys(session)
    print("re-encrypted under the newest key of DATA_KEYS, lookup hashes recomputed: "
          + ", ".join(f"{table} {count}" for table, count in changed.items()))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("purge", help="remove intakes, past appointments, alerts and conversations idle "
                                          "for longer than the retention period (a dry run unless --yes)")
    parser.add_argument("--older-than", type=int, metavar="DAYS",
                        help="idle for more than DAYS days (default: RETENTION_DAYS)")
    parser.add_argument("--yes", action="store_true", help="remove them (without it, only count)")
    parser.set_defaults(func=cmd_purge)
    parser = sub.add_parser("erase", help="remove one visitor everywhere (intake, contact, bookings, "
                                          "alerts, conversation); the audit log records the erasure")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--reference", metavar="CODE", help="a booking reference of the visitor's")
    which.add_argument("--intake", type=int, metavar="ID", help="the intake id")
    parser.set_defaults(func=cmd_erase)
    sub.add_parser("rotate-key", help="re-encrypt every stored value under the newest key of DATA_KEYS"
                   ).set_defaults(func=cmd_rotate_key)
