"""`python -m bot audit verify`: walk the audit log's hash chain (bot.domain.audit_chain) and
report the first broken link: an entry changed, removed or inserted after it was written."""
from __future__ import annotations

import argparse
import sys
from contextlib import closing

from bot.composition import build_app
from bot.services.staff.audit import verify_chain


def cmd_verify(args: argparse.Namespace) -> int:
    with closing(build_app()) as app, app.unit_of_work() as session:
        checked, broken = verify_chain(session)
    if broken is not None:
        print(f"audit log BROKEN at entry {broken.seq}: {broken.reason} "
              f"({checked} entries read)", file=sys.stderr)
        return 1
    print(f"audit log intact: {checked} entries, every link checked")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    audit = sub.add_parser("audit", help="check the audit log")
    commands = audit.add_subparsers(dest="audit_command", required=True)
    commands.add_parser("verify", help="check the audit log's hash chain; exit 1 at the first broken link"
                        ).set_defaults(func=cmd_verify)
