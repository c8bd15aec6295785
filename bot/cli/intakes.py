"""`python -m bot intakes [--json]` and `python -m bot intake ID`: the staff read-out of intakes."""
from __future__ import annotations

import argparse
import json
import sys
from contextlib import closing

from bot.adapters.models import AuditEntry
from bot.composition import build_app
from bot.services.readout import intake_report, intake_summaries


def cmd_intakes(args: argparse.Namespace) -> int:
    with closing(build_app()) as app, app.unit_of_work() as session:
        rows = intake_summaries(session, app.profile.timezone)
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for row in rows:
            when = row["appointment"]["start"] if row["appointment"] else "no appointment"
            print(f"#{row['id']}  {row['created_at'][:16]}  {row['concern'] or '-':11}  "
                  f"{row['name'] or '-'}  {when}")
    return 0


def cmd_intake(args: argparse.Namespace) -> int:
    with closing(build_app()) as app, app.unit_of_work() as session:
        report = intake_report(session, args.id, app.profile)
        if report is not None:
            session.add(
                AuditEntry(action="cli_view_intake", intake_id=args.id, detail="python -m bot intake")
            )
    if report is None:
        print(f"no intake with id {args.id}", file=sys.stderr)
        return 1
    print(report)
    return 0


def register_list(sub: argparse._SubParsersAction) -> None:
    intakes = sub.add_parser("intakes", help="list intakes, newest first")
    intakes.add_argument("--json", action="store_true", help="print a JSON array")
    intakes.set_defaults(func=cmd_intakes)


def register_show(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("intake", help="show one intake in full, with its conversation transcript")
    parser.add_argument("id", type=int, help="the intake id (see `python -m bot intakes`)")
    parser.set_defaults(func=cmd_intake)
