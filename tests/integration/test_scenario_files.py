"""The scenario files (tests/scenarios/*.yml) are valid without running them: every key is one the
runner knows, every catalog entry, screening question and concern they name exists, and the suite
holds what issue #10 asks for. The scenarios themselves run with `make scenarios`."""
from __future__ import annotations

from dataclasses import replace

import pytest

from tests.scenarios.runner import Scenario, load_scenarios, validate

SCENARIOS = load_scenarios()
ISSUE_CASES = ("a", "b", "c", "d", "e", "f")


def test_every_scenario_file_is_valid(profile, wording):
    validate(SCENARIOS, profile, wording)


def test_the_suite_covers_the_issue(profile):
    assert len(SCENARIOS) >= 60
    for case in ISSUE_CASES:
        assert [s for s in SCENARIOS if s.name.startswith(f"issue10-{case}-")], f"no scenario for #10 case {case}"
    named = set()
    for scenario in SCENARIOS:
        for step in scenario.turns:
            named.add(((step.get("expect") or {}).get("slots") or {}).get("concern"))
            named.add(((step.get("expect") or {}).get("intake") or {}).get("concern"))
        named.add((scenario.final.get("intake") or {}).get("concern"))
    assert set(profile.concerns) <= named, f"no scenario for {sorted(set(profile.concerns) - named)}"


@pytest.mark.parametrize("broken, message", [
    ({"turns": [{"say": "hi", "expect": {"contain": ["x"]}}]}, "unknown ['contain']"),
    ({"turns": [{"say": "hi", "expect": {"says": ["no.such.key"]}}]}, "no catalog entry 'no.such.key'"),
    ({"turns": [{"answer_screening": {"answers": {"pregnant": "yes"}}}]}, "no screening question 'pregnant'"),
    ({"final": {"intake": {"concern": "botox"}}}, "no concern 'botox'"),
    ({"turns": [{"say": "hi", "click": "Yes"}]}, "needs exactly one of"),
    ({"turns": [{"reload": True}]}, "reload needs channel: gateway"),
])
def test_a_typo_fails_loudly(profile, wording, broken, message):
    base = Scenario("test", "broken", "a typo", [{"say": "hi"}], {})
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        validate([replace(base, **broken)], profile, wording)
