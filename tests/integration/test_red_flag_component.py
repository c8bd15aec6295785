"""The RedFlagDetector NLU component, run on hand-built Rasa messages (no trained model needed)."""
from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from rasa_plugins.red_flags import RedFlagDetector

DIET_INTENT = {"name": "ask_side_effects", "confidence": 0.83}
DIET_RANKING = [
    DIET_INTENT,
    {"name": "report_emergency", "confidence": 0.1},
    {"name": "greet", "confidence": 0.07},
]
DIET_ENTITY = {"entity": "concern", "value": "wrinkles", "start": 0, "end": 4, "extractor": "DIETClassifier"}


@pytest.fixture(scope="module")
def detector(tmp_path_factory):
    storage = LocalModelStorage(tmp_path_factory.mktemp("models"))
    context = ExecutionContext(GraphSchema({}), "test")
    return RedFlagDetector.create(
        {**RedFlagDetector.get_default_config()}, storage, Resource("red_flags"), context,
    )


def _after_diet(text: str) -> Message:
    message = Message(data={TEXT: text})
    message.set(INTENT, dict(DIET_INTENT), add_to_output=True)
    message.set(INTENT_RANKING_KEY, [dict(entry) for entry in DIET_RANKING], add_to_output=True)
    message.set(ENTITIES, [dict(DIET_ENTITY)], add_to_output=True)
    return message


def test_emergency_overrides_intent_ranking_and_adds_entity(detector):
    text = "help, I cant swalow since the botox"
    [message] = detector.process([_after_diet(text)])
    assert message.get(INTENT) == {"name": "report_emergency", "confidence": 1.0}
    ranking = message.get(INTENT_RANKING_KEY)
    assert ranking[0] == {"name": "report_emergency", "confidence": 1.0}
    assert [entry["name"] for entry in ranking] == ["report_emergency", "ask_side_effects", "greet"]
    entities = message.get(ENTITIES)
    assert DIET_ENTITY not in entities  # a concern not named as what was treated is no report's concern
    flag = entities[-1]
    assert flag == {"entity": "safety_flag", "value": "emergency", "extractor": "RedFlagDetector",
                    "start": 8, "end": 19}
    assert text[flag["start"]:flag["end"]] == "cant swalow"
    assert INTENT in message.output_properties and ENTITIES in message.output_properties


def test_adverse_effect_override(detector):
    [message] = detector.process([_after_diet("my eyebrow is droopy since my botox last week")])
    assert message.get(INTENT) == {"name": "report_adverse_effect", "confidence": 1.0}
    assert message.get(INTENT_RANKING_KEY)[0]["name"] == "report_adverse_effect"
    assert message.get(ENTITIES)[-1]["value"] == "adverse_effect"


@pytest.mark.parametrize("text", [
    "I'd like to book a consultation for my frown lines",
    "no trouble breathing",
    "can botox cause trouble swallowing?",
    "I get headaches 15 days a month",
])
def test_message_without_red_flag_is_untouched(detector, text):
    message = _after_diet(text)
    before = (dict(message.data), set(message.output_properties))
    [processed] = detector.process([message])
    assert processed is message
    assert (dict(processed.data), set(processed.output_properties)) == before
    assert processed.get(INTENT) == DIET_INTENT


def test_works_without_a_previous_classifier(detector):
    [message] = detector.process([Message(data={TEXT: "my throat feels tight"})])
    assert message.get(INTENT) == {"name": "report_emergency", "confidence": 1.0}
    assert message.get(INTENT_RANKING_KEY) == [{"name": "report_emergency", "confidence": 1.0}]
    assert [e["entity"] for e in message.get(ENTITIES)] == ["safety_flag"]


def test_messages_without_text_are_skipped(detector):
    empty = Message(data={})
    assert detector.process([empty]) == [empty]
    assert empty.get(INTENT) is None


def test_each_message_in_a_batch_is_judged_on_its_own(detector):
    messages = [_after_diet("hello"), _after_diet("I'm seeing double"), _after_diet("what are your hours?")]
    names = [m.get(INTENT)["name"] for m in detector.process(messages)]
    assert names == ["ask_side_effects", "report_emergency", "ask_side_effects"]


def test_intent_names_are_configurable(tmp_path):
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    custom = RedFlagDetector.create({"emergency_intent": "emergency"}, storage, Resource("r"), context)
    [message] = custom.process([Message(data={TEXT: "I can't breathe"})])
    assert message.get(INTENT)["name"] == "emergency"


def test_registered_as_a_trainable_intent_classifier():
    """Trainable since the second layer (a classifier trained on the training data) joined the lexicon."""
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe

    registered = DefaultV1Recipe._registered_components[RedFlagDetector.__name__]
    assert registered.clazz is RedFlagDetector
    assert registered.is_trainable is True
    assert DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER in registered.types


def test_fits_in_a_pipeline_graph():
    from rasa.engine import validation
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe

    config = {
        "recipe": "default.v1", "language": "en", "assistant_id": "test",
        "pipeline": [
            {"name": "WhitespaceTokenizer"},
            {"name": "KeywordIntentClassifier"},
            {"name": "rasa_plugins.red_flags.RedFlagDetector"},
            {"name": "FallbackClassifier", "threshold": 0.3},
        ],
        "policies": [{"name": "RulePolicy"}],
    }
    model_configuration = DefaultV1Recipe().graph_config_for_recipe(config, {})
    validation.validate(model_configuration)
    nodes = model_configuration.predict_schema.nodes
    [name] = [name for name in nodes if name.startswith("run_rasa_plugins.red_flags.RedFlagDetector")]
    assert nodes[name].uses is RedFlagDetector
    assert nodes[name].needs["messages"].startswith("run_KeywordIntentClassifier")


def test_a_flagged_intent_survives_the_fallback_ambiguity_check():
    """A red flag (or a concern) set at 1.0 over a ranking whose old top is 0.98 stays set:
    FallbackClassifier's ambiguity check must not turn it into nlu_fallback."""
    from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
    from rasa.shared.nlu.training_data.message import Message

    from rasa_plugins.intents import set_sure_intent

    message = Message(data={"text": "a week after the shots I can't keep my head up",
                            "intent": {"name": "concern_neck_bands", "confidence": 0.98},
                            "intent_ranking": [{"name": "concern_neck_bands", "confidence": 0.98},
                                               {"name": "ask_side_effects", "confidence": 0.01}]})
    set_sure_intent(message, "report_emergency")
    fallback = FallbackClassifier({**FallbackClassifier.get_default_config(), "threshold": 0.45,
                                   "ambiguity_threshold": 0.05})
    [processed] = fallback.process([message])
    assert processed.get("intent")["name"] == "report_emergency"
    assert [r["name"] for r in processed.get("intent_ranking")][:2] == ["report_emergency", "concern_neck_bands"]


def test_a_report_keeps_only_the_concern_named_as_treated(detector):
    treated = {"entity": "concern", "value": "clenching", "role": "treated", "extractor": "ConcernReader"}
    felt = {"entity": "concern", "value": "migraine", "extractor": "ConcernReader"}
    message = _after_diet("since my masseter botox I have a headache and my jaw is weak")
    message.set(ENTITIES, [dict(treated), dict(felt)], add_to_output=True)
    [message] = detector.process([message])
    concerns = [e for e in message.get(ENTITIES) if e["entity"] == "concern"]
    assert concerns == [treated]
    # no red flag: every concern stays
    quiet = _after_diet("how long does jaw botox last?")
    quiet.set(ENTITIES, [dict(felt)], add_to_output=True)
    [quiet] = detector.process([quiet])
    assert felt in quiet.get(ENTITIES)
