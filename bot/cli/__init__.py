"""`python -m bot ...`: the command line for staff and operators.

Each command is a small function; parts of the product register theirs in EXTRA_COMMANDS below.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Callable, List, Optional

from bot.adapters.db import engine_for, session_scope
from bot.adapters.exports import register_export_command
from bot.adapters.migrate import upgrade
from bot.domain.profile import cached_profile
from bot.services.readout import intake_summaries, register_intake_command
from bot.services.staff_accounts import register_cli as register_staff_commands
from bot.settings import load_settings


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = load_settings()
    upgrade(settings.database_url)
    print("database is at the latest migration")
    return 0


def cmd_intakes(args: argparse.Namespace) -> int:
    settings = load_settings()
    profile = cached_profile(str(settings.clinic_profile))
    with session_scope(engine_for(settings.database_url)) as session:
        rows = intake_summaries(session, profile.timezone)
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for row in rows:
            when = row["appointment"]["start"] if row["appointment"] else "no appointment"
            print(f"#{row['id']}  {row['created_at'][:16]}  {row['concern'] or '-':11}  "
                  f"{row['name'] or '-'}  {when}")
    return 0


def cmd_check_profile(args: argparse.Namespace) -> int:
    settings = load_settings()
    profile = cached_profile(str(settings.clinic_profile))
    print(f"{settings.clinic_profile}: ok ({profile.name}; {profile.hours_text()})")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from bot.ops.runner import run

    return run()


def cmd_shell(args: argparse.Namespace) -> int:
    from bot.ops.runner import shell

    return shell()


def cmd_rasa(args: argparse.Namespace) -> int:
    from bot.ops.runner import run_rasa

    return run_rasa(args.rasa_args)


def cmd_train(args: argparse.Namespace) -> int:
    from bot.ops.training import train

    return train(force=args.force)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    intakes = sub.add_parser("intakes", help="list intakes, newest first")
    intakes.add_argument("--json", action="store_true", help="print a JSON array")
    intakes.set_defaults(func=cmd_intakes)
    sub.add_parser("check-profile", help="validate the clinic profile").set_defaults(func=cmd_check_profile)
    sub.add_parser("run", help="start Rasa, the action server and the web service").set_defaults(func=cmd_run)
    train = sub.add_parser("train", help="build the spaCy pipeline and train when inputs changed")
    train.add_argument("--force", action="store_true", help="train even if the model is current")
    train.set_defaults(func=cmd_train)
    sub.add_parser("shell", help="chat in the terminal").set_defaults(func=cmd_shell)
    rasa = sub.add_parser("rasa", help="run a rasa command with the project's environment")
    rasa.add_argument("rasa_args", nargs=argparse.REMAINDER)
    rasa.set_defaults(func=cmd_rasa)
    for register in EXTRA_COMMANDS:
        register(sub)
    return parser


# Parts of the product add their subcommands here: each entry is `register(subparsers)`.
EXTRA_COMMANDS: List[Callable[[argparse._SubParsersAction], None]] = []
EXTRA_COMMANDS.append(register_intake_command)  # python -m bot intake ID
EXTRA_COMMANDS.append(register_export_command)  # python -m bot export --csv FILE --fhir DIR
EXTRA_COMMANDS.append(register_staff_commands)  # python -m bot staff add-user EMAIL [--admin]


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


