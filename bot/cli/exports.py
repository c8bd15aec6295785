"""`python -m bot export --csv FILE --fhir DIR`: all intakes as a CSV sheet and FHIR bundles."""
from __future__ import annotations

import argparse
import sys
from contextlib import closing
from pathlib import Path

from sqlalchemy import func, select

from bot.adapters.exports import export_fhir_dir, intakes_csv
from bot.adapters.models import Intake
from bot.adapters.private_files import private_dir, write_private
from bot.cli.auditing import cli_audit
from bot.composition import build_app


def cmd_export(args: argparse.Namespace) -> int:
    if not args.csv and not args.fhir:
        print("nothing to export: give --csv FILE and/or --fhir DIR", file=sys.stderr)
        return 2
    done = []
    with closing(build_app()) as app, app.unit_of_work() as session:
        if args.csv:
            text = intakes_csv(session, app.profile.timezone)
            path = Path(args.csv)
            private_dir(path.parent)
            write_private(path, text)
            rows = session.scalar(select(func.count()).select_from(Intake))
            done.append(f"wrote {rows} intake(s) to {path}")
        if args.fhir:
            paths = export_fhir_dir(session, Path(args.fhir), app.profile)
            done.append(f"wrote {len(paths)} FHIR bundle(s) to {Path(args.fhir)}")
        cli_audit(session, "cli_export", detail="; ".join(done))
    for line in done:
        print(line)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("export", help="export intakes as CSV and/or FHIR bundles")
    parser.add_argument("--csv", metavar="FILE", help="write all intakes as one CSV file")
    parser.add_argument("--fhir", metavar="DIR", help="write one FHIR bundle per intake into DIR")
    parser.set_defaults(func=cmd_export)
