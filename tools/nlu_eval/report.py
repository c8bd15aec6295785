"""The outputs of `make nlu-eval`: latest.json (every measure with its counts, and each message's
readings), latest.md (the table against the targets, the breakdowns, the assistant's misses) and
one confusion-matrix PNG per reader (matplotlib, Agg backend)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

from tools.nlu_eval.messages import VisitorMessage
from tools.nlu_eval.metrics import TARGETS, Outcome, Ratio, as_json

GB = 1e9
MIB = 1024 * 1024


class _NotRun(dict):
    """The peer's summary when it was not run (--no-peer): every figure in it reads 'not run'."""

    value = None

    def __missing__(self, key):
        return self


NOT_RUN = _NotRun()


def ratio(value: Ratio) -> str:
    if value is NOT_RUN:
        return "not run"
    if value.value is None:
        return f"n/a (0/{value.total})"
    return f"{value.value:.3f} ({value.hits}/{value.total})"


def verdict(met: Optional[bool]) -> str:
    return {True: "met", False: "**missed**", None: "not measured"}[met]


def cell(text: Optional[str]) -> str:
    return (text or "").replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip()


def draw_confusion(confusion: Mapping, title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, matrix = confusion["labels"], confusion["matrix"]
    figure, axes = plt.subplots(figsize=(8, 7))
    image = axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(labels)))
    axes.set_yticks(range(len(labels)))
    axes.set_xticklabels(labels, rotation=45, ha="right")
    axes.set_yticklabels(labels)
    axes.set_xlabel("got")
    axes.set_ylabel("expected")
    axes.set_title(title, fontsize=10)
    largest = max((max(row) for row in matrix), default=0)
    for row, counts in enumerate(matrix):
        for column, count in enumerate(counts):
            if count:
                axes.text(column, row, str(count), ha="center", va="center", fontsize=8,
                          color="white" if count > largest / 2 else "black")
    figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _score(value: Optional[float]) -> str:
    if value is NOT_RUN:
        return "not run"
    return "n/a" if value is None else f"{value:.3f}"


def _seconds(value: Optional[float]) -> str:
    return "n/a" if value is None else f"{value:.0f} s"


def _memory(value: Optional[float]) -> str:
    return "n/a" if value is None else f"{value / GB:.2f} GB ({value / MIB:.0f} MiB)"


def _peer_description(peer: Mapping) -> str:
    if not peer.get("run", True):
        return ("**Peer**: not run in this report (`--no-peer`); its columns say so, and the target against "
                "it is not measured.")
    return ("**Peer**: Rasa's `rasa init` pipeline "
            f"(`{peer['config']}`) trained on "
            f"{'the same' if peer.get('same_nlu_data', True) else 'an earlier version of the'} NLU data "
            f"(NLU only, `{peer['model']}`), "
            "parsed in-process: the concern from a `concern_<key>` intent or a `concern` entity, the red flag from "
            "`report_emergency` / `report_adverse_effect`.")


def markdown(result: Mapping, assistant: Mapping, peer: Mapping, nlu: Mapping,
             misses: Mapping[str, List[Outcome]], messages: Mapping[str, VisitorMessage],
             verdicts: Mapping[str, Optional[bool]]) -> str:
    timing, info = result["timing"], result["assistant"]
    margin = TARGETS["concern_accuracy_over_peer"][1]
    lines = [
        "# NLU evaluation: what visitors get",
        "",
        f"Date: {result['date']} · set: `{result['set']}` · {result['messages']} messages · "
        f"`make nlu-eval` ({result['command']})",
        "",
        "**Assistant**: each message is the first turn of a fresh conversation through the running assistant "
        f"(`{info['model']}` in Rasa, with the action server and the web service; Rasa's REST channel, "
        f"{result['concurrency']} in flight); the concern and the red flag are the tracker's `concern` and "
        "`safety_flag` slots after the turn. " + _peer_description(result["peer"]) +
        " An emergency counts as caught only when flagged as an "
        "emergency, an adverse effect when flagged as either kind; a false alarm is a message without a red flag "
        "that got one.",
        "",
        "| measure | assistant | peer | target |",
        "| --- | --- | --- | --- |",
        f"| concern accuracy | {ratio(assistant['concern_accuracy'])} | {ratio(peer['concern_accuracy'])} | "
        f">= {TARGETS['concern_accuracy'][1]:.2f}: {verdict(verdicts['concern_accuracy'])}; "
        f">= peer + {margin * 100:.0f} points: {verdict(verdicts['concern_accuracy_over_peer'])} |",
        f"| red-flag recall (both kinds) | {ratio(assistant['red_flag_recall'])} | {ratio(peer['red_flag_recall'])} | "
        f">= {TARGETS['red_flag_recall'][1]:.2f}: {verdict(verdicts['red_flag_recall'])} |",
        f"| emergency recall | {ratio(assistant['emergency_recall'])} | {ratio(peer['emergency_recall'])} | "
        f"every emergency: {verdict(verdicts['emergency_recall'])} |",
        f"| adverse-effect recall | {ratio(assistant['adverse_effect_recall'])} | "
        f"{ratio(peer['adverse_effect_recall'])} | (in red-flag recall) |",
        f"| false alarms | {ratio(assistant['false_alarm_rate'])} | {ratio(peer['false_alarm_rate'])} | "
        f"<= {TARGETS['false_alarm_rate'][1] * 100:.0f} %: {verdict(verdicts['false_alarm_rate'])} |",
        f"| training time | {_seconds(info['train_seconds'])} | {_seconds(result['peer']['train_seconds'])} | "
        f"<= {TARGETS['train_seconds'][1]:.0f} s: {verdict(verdicts['train_seconds'])} |",
        f"| Rasa server peak RSS (VmHWM) | {_memory(info['rasa_peak_rss_bytes'])} | — | "
        f"<= {TARGETS['rasa_peak_rss_bytes'][1] / GB:.1f} GB: {verdict(verdicts['rasa_peak_rss_bytes'])} |",
        "",
        f"Training time: {info['train_seconds_source']}. Peer: {result['peer']['train_seconds_source']}.",
        "",
        f"Time: {timing['total_seconds']:.0f} s in all (peer training "
        f"{'none, cached model' if timing['peer_train_seconds'] is None else _seconds(timing['peer_train_seconds'])}, "
        f"stack start-up {timing['stack_startup_seconds']:.0f} s, {result['messages']} first turns "
        f"{timing['stack_send_seconds']:.0f} s (turn median {timing['turn_seconds_p50']:.2f} s, "
        f"95th percentile {timing['turn_seconds_p95']:.2f} s), peer parse {timing['peer_parse_seconds']:.0f} s). "
        f"Turns that failed twice: {info['errors']}.",
        "",
    ]
    if result["longer_than_gateway_limit"]:
        lines += [f"{result['longer_than_gateway_limit']} messages are longer than the gateway's "
                  f"{result['gateway_max_chars']} characters; the widget would refuse them, the REST channel "
                  "took them whole.", ""]
    lines += ["## Concern accuracy by kind", "", "| kind | messages | assistant | peer |", "| --- | --- | --- | --- |"]
    for kind, value in assistant["concern_accuracy_by_kind"].items():
        lines.append(f"| {kind} | {value.total} | {ratio(value)} | {ratio(peer['concern_accuracy_by_kind'][kind])} |")
    lines += ["", "## Per concern", "",
              "| concern | messages | assistant precision | recall | F1 | peer precision | recall | F1 |",
              "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for key, score in assistant["per_concern"].items():
        other = peer["per_concern"][key]
        lines.append(f"| {key} | {score['support']} | {ratio(score['precision'])} | {ratio(score['recall'])} | "
                     f"{_score(score['f1'])} | {ratio(other['precision'])} | {ratio(other['recall'])} | "
                     f"{_score(other['f1'])} |")
    lines += ["", "Confusion matrices (rows expected, columns got):", "",
              "![assistant](confusion_assistant.png)" + ("" if peer is NOT_RUN else " ![peer](confusion_peer.png)"), "",
              "## The assistant's NLU parse alone (for comparison)", "",
              "The parse Rasa made of the same first turns (the tracker's `latest_message`), read as the actions "
              "read it, before the dialogue and the actions acted on it.", "",
              "| measure | assistant NLU parse |", "| --- | --- |",
              f"| concern accuracy | {ratio(nlu['concern_accuracy'])} |",
              f"| red-flag recall | {ratio(nlu['red_flag_recall'])} |",
              f"| emergency recall | {ratio(nlu['emergency_recall'])} |",
              f"| false alarms | {ratio(nlu['false_alarm_rate'])} |", ""]
    sections = [("concern", "Concern misses"), ("red_flag_missed", "Red flags missed"),
                ("false_alarm", "False alarms")]
    lines += ["## The assistant's misses", ""]
    for name, title in sections:
        found = misses[name]
        lines += [f"### {title} ({len(found)})", ""]
        if not found:
            lines += ["None.", ""]
            continue
        lines += ["| id | expected | got | text |", "| --- | --- | --- | --- |"]
        for outcome in found:
            if name == "concern":
                expected, got = outcome.concern or "null", outcome.got_concern or "null"
            else:
                expected, got = outcome.red_flag, outcome.got_flag or "none"
            lines.append(f"| {outcome.id} | {expected} | {got} | {cell(messages[outcome.id].text)} |")
        lines.append("")
    return "\n".join(lines)


def write(out_dir: Path, result: Dict, summaries: Mapping[str, Mapping], misses: Mapping[str, List[Outcome]],
          messages: Sequence[VisitorMessage], verdicts: Mapping[str, Optional[bool]]) -> List[Path]:
    """latest.json, latest.md and the two confusion PNGs in out_dir; the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    by_id = {m.id: m for m in messages}
    assistant, peer, nlu = summaries["assistant"], summaries["peer"], summaries["assistant_nlu_parse"]
    paths = []
    for reader, summary in (("assistant", assistant), ("peer", peer)):
        if summary is NOT_RUN:
            continue
        path = out_dir / f"confusion_{reader}.png"
        draw_confusion(summary["confusion"], f"Concern confusion, {reader}: {result['set']} "
                       f"({result['messages']} messages), accuracy {ratio(summary['concern_accuracy'])}", path)
        paths.append(path)
    document = {**result, "verdicts": verdicts, "targets": TARGETS,
                "measures": {name: as_json(summary) for name, summary in summaries.items()}}
    json_path = out_dir / "latest.json"
    json_path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path = out_dir / "latest.md"
    md_path.write_text(markdown(result, assistant, peer, nlu, misses, by_id, verdicts) + "\n", encoding="utf-8")
    return [json_path, md_path, *paths]
