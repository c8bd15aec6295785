"""The dependency audit's triage (audit/triage.yml) and how `make audit` reads pip-audit's report."""

import datetime as dt
import re
from pathlib import Path

import pytest

from tools.dependency_audit import Outcome, canonical, classify, describe, load_triage, lock_pins

ROOT = Path(__file__).resolve().parents[2]
TRIAGE = load_triage(ROOT / "audit" / "triage.yml")
PRODUCTION_PINS = lock_pins(ROOT / "requirements.lock")


def test_every_triaged_finding_says_what_why_how_mitigated_and_when_to_review():
    assert TRIAGE, "audit/triage.yml lists no finding"
    for entry in TRIAGE:
        assert re.fullmatch(r"(GHSA|PYSEC|CVE)-[\w-]+", entry.id), entry.id
        assert entry.package and entry.reason and entry.mitigation
        assert isinstance(entry.review, dt.date)
    assert len({(entry.package, entry.id) for entry in TRIAGE}) == len(TRIAGE), "an entry is listed twice"


@pytest.mark.parametrize("entry", TRIAGE, ids=lambda entry: f"{entry.package}-{entry.id}")
def test_a_triaged_package_is_pinned_at_the_triaged_version(entry):
    """A pin that moved makes its triage stale: re-audit and update or drop the entry."""
    assert PRODUCTION_PINS.get(entry.package) == entry.version, (
        f"{entry.id}: triaged for {entry.package}=={entry.version}, "
        f"requirements.lock pins {PRODUCTION_PINS.get(entry.package)}"
    )


def test_the_production_lock_carries_no_development_tool():
    tools = {
        canonical(re.split(r"[=<>\[ ]", line, maxsplit=1)[0])
        for line in (ROOT / "requirements-dev.in").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith(("#", "-"))
    }
    assert {"pytest", "playwright", "ruff", "import-linter", "hypothesis"} <= tools
    assert not tools & PRODUCTION_PINS.keys()


def test_a_triage_entry_without_a_mitigation_is_refused(tmp_path):
    triage = tmp_path / "triage.yml"
    triage.write_text(
        "findings:\n  - {id: GHSA-xxxx-yyyy-zzzz, package: p, version: '1', reason: pinned, review: 2030-01-01}\n"
    )
    with pytest.raises(ValueError, match="mitigation"):
        load_triage(triage)


def _report(*dependencies):
    return {"dependencies": list(dependencies), "fixes": []}


def _vulnerability(vuln_id, *aliases):
    return {"id": vuln_id, "aliases": list(aliases), "fix_versions": ["9.9"], "description": "..."}


def test_findings_are_triaged_by_id_or_alias_and_fail_otherwise_or_when_review_is_due():
    entry = next(e for e in TRIAGE if e.aliases)
    report = _report(
        {"name": entry.package, "version": entry.version, "vulns": [
            _vulnerability("PYSEC-0000-1", entry.aliases[0]),  # the same finding under another ID
            _vulnerability("GHSA-0000-0000-0000"),
        ]},
        {"name": "Not_Audited", "skip_reason": "Dependency not found on PyPI and could not be audited"},
    )
    before_review = entry.review - dt.timedelta(days=1)
    findings, unaudited = classify(report, TRIAGE, before_review)
    assert [finding.outcome for finding in findings] == [Outcome.TRIAGED, Outcome.UNTRIAGED]
    assert unaudited == ["not-audited: Dependency not found on PyPI and could not be audited"]
    assert entry.reason in describe(findings[0]) and "\n" not in describe(findings[0])
    assert "fixed in: 9.9" in describe(findings[1])

    findings, _ = classify(report, TRIAGE, entry.review)
    assert findings[0].outcome is Outcome.REVIEW_DUE


def test_a_finding_triaged_for_another_package_is_not_triaged():
    entry = TRIAGE[0]
    report = _report({"name": "some-other-package", "version": "1.0", "vulns": [_vulnerability(entry.id)]})
    findings, _ = classify(report, TRIAGE, dt.date(2000, 1, 1))
    assert findings[0].outcome is Outcome.UNTRIAGED


def test_the_readme_lists_every_triaged_finding():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Dependency audit"):]
    assert [entry.id for entry in TRIAGE if entry.id not in section] == []
