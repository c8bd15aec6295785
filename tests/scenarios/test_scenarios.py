"""One test per scenario of tests/scenarios/*.yml, run against the running assistant by runner.py
(its docstring describes the file format and the invariants checked after every turn). The files
are validated when the module is collected: an unknown key or catalog entry fails then."""
from __future__ import annotations

import pytest

from bot.domain.profile import load_profile
from bot.settings import PROJECT_ROOT
from tests.scenarios.runner import load_scenarios, run_scenario, validate
from tests.support import english

pytestmark = pytest.mark.stack
SCENARIOS = load_scenarios()
validate(SCENARIOS, load_profile(PROJECT_ROOT / "clinic" / "profile.yml"), english())


def marked(scenario):
    """A scenario with a `known_gap` is a strict xfail: it must still fail, for the reason given,
    and passes the day the assistant learns it (then the mark is removed)."""
    if not scenario.known_gap:
        return scenario
    return pytest.param(scenario, marks=pytest.mark.xfail(reason=scenario.known_gap, strict=True,
                                                          raises=AssertionError))


@pytest.mark.parametrize("scenario", [marked(s) for s in SCENARIOS], ids=[s.id for s in SCENARIOS])
def test_scenario(stack, scenario, profile, wording):
    run_scenario(stack, scenario, profile, wording)
