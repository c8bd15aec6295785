"""`python -m bot intakes [--json]` and `python -m bot intake (ID | --conversation SENDER) [--json]`:
the staff read-out of intakes (bot.services.readout), each read audited."""
from __future__ import annotations

import argparse
import json
import sys
from contextlib import closing

from bot.cli.auditing import cli_audit
from bot.composition import build_app
from bot.domain.statuses import AuditOutcome
from bot.services.readout import intake_id_for_conversation, intake_json, intake_report, intake_summaries


def cmd_intakes(args: argparse.Namespace) -> int:
    with closing(build_app()) as app, app.unit_of_work() as session:
        rows = intake_summaries(session, app.profile.timezone)
        cli_audit(session, "cli_list_intakes", detail=f"python -m bot intakes: {len(rows)} intake(s)")
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
    if (args.id is None) == (args.conversation is None):
        print("give an intake id or --conversation SENDER (not both)", file=sys.stderr)
        return 2
    read = intake_json if args.json else intake_report  # one structure, shown as JSON or as text
    with closing(build_app()) as app, app.unit_of_work() as session:
        intake_id = args.id if args.id is not None else intake_id_for_conversation(session, args.conversation)
        shown = read(session, intake_id, app.profile) if intake_id is not None else None
        cli_audit(session, "cli_view_intake", intake_id, "python -m bot intake" + (" --json" if args.json else ""),
                  outcome=AuditOutcome.OK if shown is not None else AuditOutcome.FAILED)
    if shown is None:
        which = f"id {args.id}" if args.id is not None else f"conversation {args.conversation}"
        print(f"no intake with {which}", file=sys.stderr)
        return 1
    if args.json:
        json.dump(shown, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(shown)
    return 0


def register_list(sub: argparse._SubParsersAction) -> None:
    intakes = sub.add_parser("intakes", help="list intakes, newest first")
    intakes.add_argument("--json", action="store_true", help="print a JSON array")
    intakes.set_defaults(func=cmd_intakes)


def register_show(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("intake", help="show one intake in full, with its conversation transcript")
    parser.add_argument("id", type=int, nargs="?", help="the intake id (see `python -m bot intakes`)")
    parser.add_argument("--conversation", metavar="SENDER",
                        help="the intake of this conversation (Rasa's sender id) instead of an id")
    parser.add_argument("--json", action="store_true",
                        help="print the intake in full as one JSON object (screening answers, appointments, "
                             "alerts, callbacks, transcript)")
    parser.set_defaults(func=cmd_intake)
