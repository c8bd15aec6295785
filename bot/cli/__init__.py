"""`python -m bot ...`, the command line for staff and operators: the top layer, it may import all.

Each command lives with its kind: bot.cli.intakes (intakes, intake), bot.cli.exports (export),
bot.cli.staff (staff accounts), bot.cli.audit (audit verify), bot.cli.outbox (outgoing mail),
bot.cli.retention (purge, erase, rotate-key) and bot.cli.ops (migrate, check-profile, run,
run-cluster, train, shell, rasa).
This module only assembles the parser and runs the chosen command.
"""
from __future__ import annotations

import argparse
from typing import List, Optional

from bot.adapters import log_redaction
from bot.cli import audit, exports, intakes, ops, outbox, retention, staff

# Each adds its subcommand(s), in the order `python -m bot --help` lists them.
COMMANDS = (
    ops.register_migrate,  # migrate
    intakes.register_list,  # intakes [--json]
    ops.register_operations,  # check-profile, run, run-cluster, train, shell, rasa
    intakes.register_show,  # intake ID
    exports.register,  # export --csv FILE --fhir DIR
    staff.register,  # staff add-user EMAIL [--admin] | set-password EMAIL | disable EMAIL | enable EMAIL
    audit.register,  # audit verify
    outbox.register,  # outbox [list|send|run] [--json] [--status S]
    retention.register,  # purge [--older-than DAYS] [--yes], erase (--reference CODE | --intake ID), rotate-key
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for register in COMMANDS:
        register(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    log_redaction.install()
    args = build_parser().parse_args(argv)
    return args.func(args)
