"""`make nlu-eval [NLU_SET=path] [NLU_OUT=dir]`: python -m tools.nlu_eval --set PATH --out DIR.

1. the peer model (trained only when data/ or peer_config.yml changed);
2. the running assistant: every message as the first turn of a fresh conversation, the tracker's
   `concern` and `safety_flag` slots read after it, the Rasa server's memory sampled;
3. the peer's parse of every message, in-process;
4. the measures (tools/nlu_eval/metrics.py) against the targets, written to DIR/latest.json,
   DIR/latest.md and DIR/confusion_{assistant,peer}.png.

Exits 1 when the assistant misses a target, 0 when it meets every measured one.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from bot.domain.concerns import CONCERN_KEYS
from bot.ops.training import HASH_FILE, MODEL_FILE, TRAIN_SECONDS_FILE
from bot.settings import PROJECT_ROOT, load_settings
from tools.nlu_eval import peer as peer_module
from tools.nlu_eval import report, stack
from tools.nlu_eval.messages import VisitorMessage, load_messages
from tools.nlu_eval.metrics import Outcome, misses, summarise, verdicts

DEFAULT_SET = "tests/nlu/visitor_heldout.yml"
DEFAULT_OUT = "results/nlu"
CONCURRENCY = 4


def relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def assistant_train_seconds() -> Tuple[Optional[float], str]:
    """The seconds `python -m bot train` took for the model now in models/, if it recorded them."""
    name = relative(TRAIN_SECONDS_FILE)
    if not TRAIN_SECONDS_FILE.exists():
        return None, f"not recorded ({name} is missing: this model was not trained by this checkout's `bot train`)"
    if TRAIN_SECONDS_FILE.stat().st_mtime < MODEL_FILE.stat().st_mtime:
        return None, f"not recorded ({name} is older than the model)"
    return float(TRAIN_SECONDS_FILE.read_text()), f"from {name}, written by `python -m bot train`"


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


Reading = Tuple[Optional[str], Optional[str]]  # (concern, red flag)


def outcomes(messages: Sequence[VisitorMessage], readings: Sequence[Reading]) -> List[Outcome]:
    return [Outcome(id=m.id, kind=m.kind, concern=m.concern, red_flag=m.red_flag, got_concern=concern, got_flag=flag)
            for m, (concern, flag) in zip(messages, readings, strict=True)]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.nlu_eval", description=__doc__.splitlines()[0])
    parser.add_argument("--set", default=DEFAULT_SET, help=f"visitor message set (default {DEFAULT_SET})")
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY, help="first turns in flight")
    parser.add_argument("--peer-model", help="a peer model trained earlier, instead of today's (training the "
                                             "peer takes 40-60 minutes on 2 cores); the report says so")
    parser.add_argument("--no-peer", action="store_true",
                        help="the assistant alone: no peer is trained or parsed, and the report says 'not run'")
    args = parser.parse_args(argv)

    started = time.monotonic()
    set_path = Path(args.set)
    messages = load_messages(set_path)
    settings = load_settings()
    print(f"{relative(set_path)}: {len(messages)} messages", flush=True)

    peer_started = time.monotonic()
    if args.no_peer:
        peer = None
    elif args.peer_model:
        peer = peer_module.given_peer_model(Path(args.peer_model))
    else:
        peer = peer_module.peer_model()
    peer_train_seconds = time.monotonic() - peer_started if peer and peer.trained_now else None
    if peer is not None:
        print(f"peer model {relative(peer.path)}" + (f" trained in {peer_train_seconds:.0f} s" if peer.trained_now
                                                       else " (cached)"), flush=True)

    run = stack.run(messages, Path(tempfile.mkdtemp(prefix="nlu-eval-")), args.concurrency)
    turns: Dict[str, stack.Turn] = {turn.id: turn for turn in run.turns}
    print(f"{len(messages)} first turns in {run.send_seconds:.0f} s (logs in {run.log_dir})", flush=True)

    parse_started = time.monotonic()
    peer_parses = peer_module.parse_all(peer.path, [m.text for m in messages]) if peer else [{} for _ in messages]
    peer_parse_seconds = time.monotonic() - parse_started
    if peer is not None:
        print(f"peer parsed {len(messages)} messages in {peer_parse_seconds:.0f} s", flush=True)

    assistant_outcomes = outcomes(messages, [(turns[m.id].concern, turns[m.id].safety_flag) for m in messages])
    nlu_outcomes = outcomes(messages, [(turns[m.id].nlu_concern, turns[m.id].nlu_flag) for m in messages])
    peer_readings = [peer_module.peer_reading(parse) if peer else (None, None) for parse in peer_parses]
    peer_outcomes = outcomes(messages, peer_readings)
    summaries = {"assistant": summarise(assistant_outcomes, CONCERN_KEYS),
                 "peer": summarise(peer_outcomes, CONCERN_KEYS) if peer else report.NOT_RUN,
                 "assistant_nlu_parse": summarise(nlu_outcomes, CONCERN_KEYS)}

    train_seconds, train_source = assistant_train_seconds()
    rasa_peak = run.memory.get("rasa", {}).get("vm_hwm")
    judged = verdicts(summaries["assistant"], summaries["peer"], train_seconds, rasa_peak)
    turn_seconds = [t.seconds for t in run.turns if t.seconds is not None]
    if peer is None:
        peer_source = "not run (--no-peer)"
    elif peer.train_seconds is None:
        peer_source = "training time not recorded"
    elif peer.trained_now:
        peer_source = "trained in this run"
    else:
        peer_source = "cached model; training time recorded when it was trained"
    result = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "set": relative(set_path),
        "messages": len(messages),
        "command": f"python -m tools.nlu_eval --set {relative(set_path)}",
        "concurrency": args.concurrency,
        "gateway_max_chars": settings.chat_max_message_chars,
        "longer_than_gateway_limit": sum(1 for m in messages if len(m.text) > settings.chat_max_message_chars),
        "assistant": {
            "model": relative(MODEL_FILE),
            "model_inputs_sha256": HASH_FILE.read_text().strip() if HASH_FILE.exists() else None,
            "train_seconds": train_seconds,
            "train_seconds_source": train_source,
            "rasa_peak_rss_bytes": rasa_peak,
            "memory_bytes": run.memory,
            "errors": sum(1 for t in run.turns if t.error),
        },
        "peer": {"model": relative(peer.path) if peer else None, "config": relative(peer_module.PEER_CONFIG),
                 "run": peer is not None, "same_nlu_data": peer_module.is_current(peer) if peer else None,
                 "train_seconds": peer.train_seconds if peer else None, "train_seconds_source": peer_source},
        "timing": {
            "total_seconds": time.monotonic() - started,
            "peer_train_seconds": peer_train_seconds,
            "stack_startup_seconds": run.startup_seconds,
            "stack_send_seconds": run.send_seconds,
            "turn_seconds_p50": statistics.median(turn_seconds) if turn_seconds else float("nan"),
            "turn_seconds_p95": percentile(turn_seconds, 0.95),
            "peer_parse_seconds": peer_parse_seconds,
        },
        "per_message": [
            {"id": m.id, "kind": m.kind, "expected": {"concern": m.concern, "also": m.also, "red_flag": m.red_flag},
             "assistant": vars(turns[m.id]),
             "peer": {"intent": (parse.get("intent") or {}).get("name"),
                      "confidence": (parse.get("intent") or {}).get("confidence"),
                      "concern": reading[0], "flag": reading[1]}}
            for m, parse, reading in zip(messages, peer_parses, peer_readings, strict=True)
        ],
    }
    written = report.write(Path(args.out), result, summaries, misses(assistant_outcomes), messages, judged)
    print((Path(args.out) / "latest.md").read_text().split("\n## ")[0])
    print("wrote " + ", ".join(relative(path) for path in written))
    missed = [name for name, met in judged.items() if met is False]
    if missed:
        print(f"targets missed: {', '.join(missed)}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
