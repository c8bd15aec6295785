"""What a visitor says in their first message is used at once (issue #10): a question asked with
the concern is answered first, for that concern; areas named up front answer the areas question
of the screening instead of being asked again."""
from __future__ import annotations

from actions.concern import ActionIdentifyConcern
from actions.screening import ActionAskScreeningComplete
from bot.domain.answers import answer_question
from tests.integration.test_actions import (
    answered,
    consent,
    general_keys,
    intake,
    make_tracker,
    run,
    stored_answers,
    texts,
    user_event,
)

DANA = "Hi, I'm Dana Ruiz, my underarms sweat through every shirt, how much is it?"


async def test_a_question_with_the_concern_is_answered_first_for_that_concern(app, db, profile):
    tracker = make_tracker(text=DANA, intent="concern_sweating", confidence=1.0,
                           entities=[{"entity": "concern", "value": "sweating"},
                                     {"entity": "question", "value": "ask_cost"}])
    events, messages = await run(ActionIdentifyConcern(app), tracker)
    assert events[0]["value"] == "sweating" and intake(db).concern == "sweating"
    assert messages[0]["text"] == answer_question(profile, app.wording, "ask_cost", "sweating", DANA)
    assert "price" in messages[0]["text"]
    assert "on-label for underarms" in messages[1]["text"]  # then the short explanation
    assert "Want to know more" in messages[2]["text"]


async def test_a_question_with_two_concerns_is_answered_in_general_before_asking_which(app, db, profile):
    tracker = make_tracker(text="sweaty hands and migraines, how much is it?", intent="concern_sweating",
                           confidence=0.7, entities=[{"entity": "concern", "value": "sweating"},
                                                     {"entity": "concern", "value": "migraine"},
                                                     {"entity": "question", "value": "ask_cost"}])
    _, messages = await run(ActionIdentifyConcern(app), tracker)
    assert len(messages) == 2 and "more than one" in messages[1]["text"]
    assert messages[0]["text"] and "more than one" not in messages[0]["text"]


async def test_areas_named_up_front_are_confirmed_not_asked(app, db, profile):
    await consent(app)
    before = answered(general_keys(profile, "sweating")[:-1])
    tracker = make_tracker(slots={"concern": "sweating", "screening_answers": before},
                           events=[user_event("concern_sweating", DANA)], active_loop="screening_form")
    events, messages = await run(ActionAskScreeningComplete(app), tracker)
    answers = [e for e in events if e.get("name") == "screening_answers"][-1]["value"]
    assert answers["sweating_areas"]["value"]["answer"] == ["underarms"]
    assert answers["sweating_areas"]["flags"] == []  # underarms: on-label, nothing to flag
    assert stored_answers(db)["sweating_areas"][0]["answer"] == ["underarms"]
    assert "underarms sweat" in texts(messages) and "Where do you sweat" not in texts(messages)
