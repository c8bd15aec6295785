"""`make audit`: pip-audit over the production lock, each finding either triaged or a failure.

pip-audit runs from its own virtualenv (.venv-audit, requirements-audit.lock: it cannot share one
with Rasa 3.6's pins) against PyPI's vulnerability data, over requirements.lock as it stands
(--no-deps: the lock is complete). This wrapper adds what pip-audit lacks: the reasons of
audit/triage.yml printed one line per finding, a failure for any finding not triaged or whose review
is due, a failure when a pinned release could not be audited at all (pip-audit counts those as
"no known vulnerabilities"), and a few tries when PyPI is briefly out of reach.
Stdlib and PyYAML only: it runs on the audit virtualenv's Python.
"""

from __future__ import annotations

import argparse
import datetime as dt
import enum
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

TRIAGE_FIELDS = ("id", "package", "version", "reason", "mitigation", "review")
TRIES = 3
PAUSE_SECONDS = 10


class Outcome(enum.Enum):
    """What one finding of pip-audit means for the run."""

    TRIAGED = "triaged"
    REVIEW_DUE = "review due"
    UNTRIAGED = "UNTRIAGED"


@dataclass(frozen=True)
class TriageEntry:
    id: str
    package: str
    version: str
    reason: str
    mitigation: str
    review: dt.date
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    id: str
    aliases: tuple[str, ...]
    fix_versions: tuple[str, ...]
    outcome: Outcome
    entry: TriageEntry | None


def canonical(name: str) -> str:
    """PEP 503's normal form, the one pip-audit reports names in."""
    return re.sub(r"[-_.]+", "-", name).lower()


def load_triage(path: Path) -> list[TriageEntry]:
    """The triaged findings; a missing field is an error, not a silent pass."""
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = []
    for raw in document.get("findings") or []:
        missing = [field for field in TRIAGE_FIELDS if not raw.get(field)]
        if missing:
            raise ValueError(f"{path}: entry {raw.get('id', raw)!r} lacks {', '.join(missing)}")
        if not isinstance(raw["review"], dt.date):
            raise ValueError(f"{path}: entry {raw['id']!r}: review must be a date (YYYY-MM-DD)")
        entries.append(
            TriageEntry(
                id=str(raw["id"]),
                package=canonical(str(raw["package"])),
                version=str(raw["version"]),
                reason=" ".join(str(raw["reason"]).split()),
                mitigation=" ".join(str(raw["mitigation"]).split()),
                review=raw["review"],
                aliases=tuple(str(alias) for alias in raw.get("aliases") or ()),
            )
        )
    return entries


def lock_pins(path: Path) -> dict[str, str]:
    """Package (canonical name) -> pinned version, from a `pip freeze` style lock."""
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[canonical(name.split("[", 1)[0])] = version.split(";", 1)[0].strip()
    return pins


def classify(report: dict, triage: list[TriageEntry], today: dt.date) -> tuple[list[Finding], list[str]]:
    """The findings of a pip-audit JSON report, and the packages it could not audit (with why)."""
    findings, unaudited = [], []
    for dependency in report.get("dependencies", []):
        name = canonical(dependency["name"])
        if dependency.get("skip_reason"):
            unaudited.append(f"{name}: {dependency['skip_reason']}")
            continue
        for vulnerability in dependency.get("vulns", []):
            ids = {vulnerability["id"], *vulnerability.get("aliases", [])}
            entry = next(
                (e for e in triage if e.package == name and ids & {e.id, *e.aliases}),
                None,
            )
            if entry is None:
                outcome = Outcome.UNTRIAGED
            else:
                outcome = Outcome.REVIEW_DUE if entry.review <= today else Outcome.TRIAGED
            findings.append(
                Finding(
                    package=name,
                    version=dependency["version"],
                    id=vulnerability["id"],
                    aliases=tuple(vulnerability.get("aliases", [])),
                    fix_versions=tuple(vulnerability.get("fix_versions", [])),
                    outcome=outcome,
                    entry=entry,
                )
            )
    return findings, unaudited


def describe(finding: Finding) -> str:
    """One line per finding."""
    head = f"{finding.outcome.value:<10} {finding.id:<20} {finding.package}=={finding.version}"
    if finding.entry is None:
        fixed = ", ".join(finding.fix_versions) or "no fixed release"
        aliases = ", ".join(finding.aliases)
        return f"{head}  fixed in: {fixed}; aliases: {aliases or '-'}  -> fix the pin or triage it in audit/triage.yml"
    return f"{head}  review {finding.entry.review}: {finding.entry.reason}"


def triage_table(triage: list[TriageEntry]) -> str:
    """README's table of the triaged findings: one row per package, version, reason and mitigation."""
    rows: dict[tuple[str, str, str, str], list[str]] = {}
    for entry in triage:
        label = f"{entry.id} ({', '.join(entry.aliases)})" if entry.aliases else entry.id
        rows.setdefault((entry.package, entry.version, entry.reason, entry.mitigation), []).append(label)
    lines = ["| id | package | version | reason | mitigation |", "| --- | --- | --- | --- | --- |"]
    for (package, version, reason, mitigation), labels in rows.items():
        lines.append(f"| {'<br>'.join(labels)} | {package} | {version} | {reason} | {mitigation} |")
    return "\n".join(lines)


def run_pip_audit(pip_audit: str, lock: Path) -> dict:
    """pip-audit's JSON report; tries a few times, as PyPI may be out of reach for a moment."""
    command = [
        pip_audit, "--requirement", str(lock), "--vulnerability-service", "pypi", "--no-deps",
        "--disable-pip", "--format", "json", "--progress-spinner", "off",
    ]  # fmt: skip
    for attempt in range(1, TRIES + 1):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        try:
            return json.loads(done.stdout)
        except json.JSONDecodeError:
            last_error = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
            print(f"pip-audit try {attempt}/{TRIES} failed: {last_error}", file=sys.stderr)
            if attempt < TRIES:
                time.sleep(PAUSE_SECONDS * attempt)
    raise SystemExit(
        f"audit: pip-audit failed {TRIES} times, last with: {last_error}\n"
        "       Most likely PyPI's JSON API was out of reach. Check the network (and any proxy: "
        "pip-audit uses the requests library's settings), then run `make audit` again."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lock", type=Path, default=Path("requirements.lock"))
    parser.add_argument("--triage", type=Path, default=Path("audit/triage.yml"))
    parser.add_argument("--pip-audit", default=".venv-audit/bin/pip-audit")
    parser.add_argument("--table", action="store_true", help="print README's table of the triage and stop")
    args = parser.parse_args(argv)

    triage = load_triage(args.triage)
    if args.table:
        print(triage_table(triage))
        return 0
    report = run_pip_audit(args.pip_audit, args.lock)
    findings, unaudited = classify(report, triage, dt.datetime.now(dt.timezone.utc).date())
    for finding in findings:
        print(describe(finding))
    audited = len(report.get("dependencies", [])) - len(unaudited)
    failing = [finding for finding in findings if finding.outcome is not Outcome.TRIAGED]
    print(f"audit: {audited} pinned releases audited, {len(findings)} findings, {len(failing)} untriaged or due")
    if unaudited:
        print(f"audit: {len(unaudited)} pinned releases could NOT be audited, e.g. {unaudited[0]}", file=sys.stderr)
        print(
            "       PyPI did not give their per-release vulnerability data (its JSON API at "
            "/pypi/NAME/VERSION/json). A proxy or mirror that serves only project pages does this. "
            "Run `make audit` where that API is reachable.",
            file=sys.stderr,
        )
    return 1 if failing or unaudited else 0


if __name__ == "__main__":
    sys.exit(main())
