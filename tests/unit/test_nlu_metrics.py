"""The measures of `make nlu-eval` (tools/nlu_eval/metrics.py) on small hand-made outcomes."""
from __future__ import annotations

import pytest

from tools.nlu_eval.metrics import (
    ADVERSE_EFFECT,
    EMERGENCY,
    NO_FLAG,
    Outcome,
    Ratio,
    accuracy_by_kind,
    as_json,
    concern_accuracy,
    confusion,
    f1,
    false_alarm_rate,
    flag_caught,
    misses,
    per_concern,
    red_flag_recall,
    summarise,
    verdicts,
)

KEYS = ("sweating", "acne", "migraine")


def outcome(id, concern, got_concern, red_flag=NO_FLAG, got_flag=None, kind="concern_statement"):
    return Outcome(id=id, kind=kind, concern=concern, red_flag=red_flag, got_concern=got_concern, got_flag=got_flag)


SAMPLE = [
    outcome("1", "sweating", "sweating"),
    outcome("2", "sweating", "acne"),
    outcome("3", "acne", "acne", kind="concern_question"),
    outcome("4", None, None, kind="general_question"),
    outcome("5", None, "migraine", kind="general_question"),
    outcome("6", "migraine", None, kind="concern_question"),
    outcome("7", "migraine", "migraine", EMERGENCY, EMERGENCY, kind="emergency"),
    outcome("8", None, None, EMERGENCY, ADVERSE_EFFECT, kind="emergency"),
    outcome("9", "acne", "acne", ADVERSE_EFFECT, EMERGENCY, kind="adverse_effect"),
    outcome("10", None, None, ADVERSE_EFFECT, None, kind="adverse_effect"),
    outcome("11", None, None, NO_FLAG, ADVERSE_EFFECT, kind="general_question"),
    outcome("12", "sweating", "sweating", ADVERSE_EFFECT, ADVERSE_EFFECT, kind="adverse_effect"),
]


def test_a_ratio_keeps_its_counts_and_has_no_value_without_a_total():
    assert Ratio(3, 4).value == 0.75
    assert Ratio(0, 0).value is None
    assert Ratio(1, 2).as_dict() == {"value": 0.5, "hits": 1, "total": 2}


def test_concern_accuracy_needs_the_exact_key_and_none_for_none():
    assert concern_accuracy(SAMPLE) == Ratio(9, 12)  # misses: 2 (wrong key), 5 (invented), 6 (missed)
    assert concern_accuracy([outcome("a", None, None)]) == Ratio(1, 1)
    assert concern_accuracy([outcome("a", None, "acne")]) == Ratio(0, 1)


def test_accuracy_by_kind_groups_on_the_kind_field():
    by_kind = accuracy_by_kind(SAMPLE)
    assert by_kind["concern_statement"] == Ratio(1, 2)
    assert by_kind["concern_question"] == Ratio(1, 2)
    assert by_kind["general_question"] == Ratio(2, 3)
    assert by_kind["emergency"] == Ratio(2, 2)
    assert list(by_kind) == sorted(by_kind)


def test_per_concern_precision_recall_and_f1():
    scores = per_concern(SAMPLE, KEYS)
    assert scores["sweating"]["precision"] == Ratio(2, 2)
    assert scores["sweating"]["recall"] == Ratio(2, 3)
    assert scores["sweating"]["f1"] == pytest.approx(0.8)
    assert scores["acne"]["precision"] == Ratio(2, 3)  # message 2 was given acne
    assert scores["acne"]["recall"] == Ratio(2, 2)
    assert scores["migraine"]["precision"] == Ratio(1, 2)
    assert scores["migraine"]["recall"] == Ratio(1, 2)
    assert scores["migraine"]["support"] == 2


def test_f1_is_undefined_without_predictions_or_examples_and_zero_when_all_wrong():
    assert f1(Ratio(0, 0), Ratio(0, 3)) is None
    assert f1(Ratio(0, 2), Ratio(0, 3)) == 0.0


def test_the_confusion_matrix_has_a_none_label_and_rows_are_expected():
    result = confusion(SAMPLE, KEYS)
    labels, matrix = result["labels"], result["matrix"]
    assert labels == ["sweating", "acne", "migraine", "none"]

    def at(expected, got):
        return matrix[labels.index(expected)][labels.index(got)]

    assert at("sweating", "sweating") == 2
    assert at("sweating", "acne") == 1
    assert at("none", "migraine") == 1
    assert at("migraine", "none") == 1
    assert at("none", "none") == 4
    assert sum(map(sum, matrix)) == len(SAMPLE)


def test_the_confusion_matrix_refuses_an_unknown_concern():
    with pytest.raises(ValueError, match="x1"):
        confusion([outcome("x1", "sweating", "hair_loss")], KEYS)


def test_an_emergency_is_caught_only_as_an_emergency_an_adverse_effect_as_either():
    assert flag_caught(EMERGENCY, EMERGENCY)
    assert not flag_caught(EMERGENCY, ADVERSE_EFFECT)
    assert not flag_caught(EMERGENCY, None)
    assert flag_caught(ADVERSE_EFFECT, ADVERSE_EFFECT)
    assert flag_caught(ADVERSE_EFFECT, EMERGENCY)
    assert not flag_caught(ADVERSE_EFFECT, None)
    with pytest.raises(ValueError):
        flag_caught(NO_FLAG, None)


def test_red_flag_recall_overall_and_per_kind():
    recall = red_flag_recall(SAMPLE)
    assert recall[EMERGENCY] == Ratio(1, 2)  # 8 was flagged only as an adverse effect
    assert recall[ADVERSE_EFFECT] == Ratio(2, 3)  # 9 (as an emergency) and 12 caught, 10 missed
    assert recall["all"] == Ratio(3, 5)


def test_a_false_alarm_is_any_flag_on_a_message_without_one():
    assert false_alarm_rate(SAMPLE) == Ratio(1, 7)
    assert false_alarm_rate([outcome("a", None, None, NO_FLAG, EMERGENCY)]) == Ratio(1, 1)
    assert false_alarm_rate([outcome("a", None, None, EMERGENCY, EMERGENCY)]) == Ratio(0, 0)


def test_misses_list_each_kind_of_miss():
    found = misses(SAMPLE)
    assert [o.id for o in found["concern"]] == ["2", "5", "6"]
    assert [o.id for o in found["red_flag_missed"]] == ["8", "10"]
    assert [o.id for o in found["false_alarm"]] == ["11"]


def test_summary_and_verdicts_against_the_targets():
    assistant = summarise(SAMPLE, KEYS)
    assert assistant["messages"] == 12
    assert assistant["red_flag_recall"] == Ratio(3, 5)
    assert assistant["flag_counts"][EMERGENCY] == {EMERGENCY: 1, ADVERSE_EFFECT: 1}
    perfect = summarise([outcome(o.id, o.concern, o.concern, o.red_flag, None if o.red_flag == NO_FLAG else o.red_flag,
                                 o.kind) for o in SAMPLE], KEYS)
    judged = verdicts(perfect, assistant, train_seconds=120.0, rasa_peak_rss_bytes=1.4e9)
    assert judged == {"concern_accuracy": True, "concern_accuracy_over_peer": True, "red_flag_recall": True,
                      "emergency_recall": True, "false_alarm_rate": True, "train_seconds": True,
                      "rasa_peak_rss_bytes": False}
    judged = verdicts(assistant, perfect, train_seconds=None, rasa_peak_rss_bytes=None)
    assert judged["concern_accuracy"] is False and judged["concern_accuracy_over_peer"] is False
    assert judged["emergency_recall"] is False and judged["false_alarm_rate"] is False
    assert judged["train_seconds"] is None and judged["rasa_peak_rss_bytes"] is None


def test_as_json_turns_ratios_into_counts():
    assert as_json({"a": Ratio(1, 4), "b": [Ratio(0, 0)], "c": 3}) == {
        "a": {"value": 0.25, "hits": 1, "total": 4}, "b": [{"value": None, "hits": 0, "total": 0}], "c": 3}


def test_a_report_without_the_peer_says_not_run(tmp_path):
    from tools.nlu_eval import report
    from tools.nlu_eval.messages import VisitorMessage

    assistant = summarise(SAMPLE, KEYS)
    judged = verdicts(assistant, report.NOT_RUN, 100.0, 1e9)
    assert judged["concern_accuracy_over_peer"] is None  # not measured, never met
    messages = [VisitorMessage(id=o.id, text=f"message {o.id}", concern=o.concern, also=None, red_flag=o.red_flag,
                               kind=o.kind) for o in SAMPLE]
    result = {"date": "2026-12-03 09:00 UTC", "set": "dev/x.yml", "messages": len(SAMPLE), "command": "x",
              "concurrency": 4, "gateway_max_chars": 1000, "longer_than_gateway_limit": 0,
              "assistant": {"model": "models/clinic.tar.gz", "train_seconds": 100.0, "train_seconds_source": "t",
                            "rasa_peak_rss_bytes": 1e9, "errors": 0},
              "peer": {"config": "peer.yml", "model": None, "run": False, "train_seconds": None,
                       "train_seconds_source": "not run (--no-peer)"},
              "timing": {"total_seconds": 1.0, "peer_train_seconds": None, "stack_startup_seconds": 1.0,
                         "stack_send_seconds": 1.0, "turn_seconds_p50": 0.1, "turn_seconds_p95": 0.2,
                         "peer_parse_seconds": 0.0}}
    summaries = {"assistant": assistant, "peer": report.NOT_RUN, "assistant_nlu_parse": assistant}
    written = report.write(tmp_path, result, summaries, misses(SAMPLE), messages, judged)
    text = (tmp_path / "latest.md").read_text()
    assert "| concern accuracy | " in text and "| not run |" in text and "not measured" in text
    assert "confusion_peer.png" not in text and not (tmp_path / "confusion_peer.png").exists()
    assert (tmp_path / "confusion_assistant.png") in written
