"""The scenario suite (tests/scenarios/*.yml, run by test_scenarios.py through runner.py) against the
running assistant: the `stack` fixture of tests/e2e/conftest.py, so the suite starts it once.

The suite lives outside tests/e2e on purpose: `make e2e` (pytest tests/e2e) and `make pytest`
(pyproject's testpaths) do not collect it; `make scenarios` runs it alone. It describes the
behaviour issue #10 asks for, so scenarios fail until that behaviour lands.

At the end of the run a summary lists every scenario with PASS or FAIL and the first problem found.
"""
from __future__ import annotations

from tests.e2e.conftest import stack  # noqa: F401  (the running assistant, session-scoped)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    reports = [r for kind in ("passed", "failed", "error", "xfailed") for r in terminalreporter.stats.get(kind, [])
               if r.when == "call" or (r.when == "setup" and r.outcome != "passed")]
    reports = [r for r in reports if "test_scenarios.py" in r.nodeid]
    if not reports:
        return
    terminalreporter.section("scenarios")
    for report in sorted(reports, key=lambda r: r.nodeid):
        name = report.nodeid.split("[", 1)[-1].rstrip("]")
        if report.passed:
            terminalreporter.write_line(f"PASS  {name}")
            continue
        if hasattr(report, "wasxfail"):  # a known gap, failing as it should until it is built
            terminalreporter.write_line(f"GAP   {name}  --  {report.wasxfail}")
            continue
        message = getattr(report.longrepr, "reprcrash", None)
        reason = message.message if message is not None else str(report.longrepr)
        lines = reason.replace("tests.scenarios.runner.ScenarioFailure: ", "").splitlines()
        terminalreporter.write_line(f"FAIL  {name}  --  {lines[0]}")
        if len(lines) > 1 and lines[1].strip().startswith("the last reply:"):
            terminalreporter.write_line(f"        {lines[1].strip()}")
    passed = sum(1 for r in reports if r.passed)
    gaps = sum(1 for r in reports if hasattr(r, "wasxfail"))
    terminalreporter.write_line(f"{passed} of {len(reports)} scenarios pass, {gaps} known gaps, "
                                f"{len(reports) - passed - gaps} fail")
