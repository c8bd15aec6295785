"""The bench's numbers: percentiles, the side-by-side table with ratios and the targets of issue
#12 (latest.json, latest.md) and the two plots (latency percentiles by N, throughput by N)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy

PEER = "peer (REST)"
GATEWAY = "assistant (gateway)"
REST = "assistant (REST)"
TARGET_LEVEL = 10
P95_RATIO_MAX = 1.2
THROUGHPUT_RATIO_MIN = 0.85
GATEWAY_OVERHEAD_P50_MAX_MS = 15.0
NO_ERROR_LEVEL = 50


def summary(latencies_ms: List[float], errors: List[str], wall_s: float) -> Dict[str, Any]:
    """One system-channel at one N: per-turn percentiles, turns per second, errors."""
    values = numpy.array(latencies_ms) if latencies_ms else numpy.array([float("nan")])
    p50, p95, p99 = (float(numpy.percentile(values, q)) for q in (50, 95, 99))
    return {"turns": len(latencies_ms), "wall_s": round(wall_s, 2),
            "turns_per_s": round(len(latencies_ms) / wall_s, 2) if wall_s else 0.0,
            "p50_ms": round(p50, 1), "p95_ms": round(p95, 1), "p99_ms": round(p99, 1),
            "errors": len(errors), "error_samples": errors[:5]}


def _ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return round(a / b, 2) if a is not None and b else None


def targets(levels: Dict[str, Dict[str, Dict[str, Any]]]) -> List[Dict[str, Any]]:
    """Issue #12's targets, each with the measured value and whether it is met (None: not measured)."""
    found = []
    at = levels.get(str(TARGET_LEVEL), {})
    peer = at.get(PEER)
    for channel in (GATEWAY, REST):
        mine = at.get(channel)
        p95 = _ratio(mine and mine["p95_ms"], peer and peer["p95_ms"])
        tps = _ratio(mine and mine["turns_per_s"], peer and peer["turns_per_s"])
        found.append({"target": f"N={TARGET_LEVEL}: {channel} p95 / peer p95 <= {P95_RATIO_MAX}", "value": p95,
                      "met": None if p95 is None else p95 <= P95_RATIO_MAX})
        found.append({"target": f"N={TARGET_LEVEL}: {channel} turns/s / peer turns/s >= {THROUGHPUT_RATIO_MIN}",
                      "value": tps, "met": None if tps is None else tps >= THROUGHPUT_RATIO_MIN})
    for level, at in levels.items():
        if GATEWAY in at and REST in at:
            overhead = round(at[GATEWAY]["p50_ms"] - at[REST]["p50_ms"], 1)
            found.append({"target": f"N={level}: gateway p50 - REST p50 <= {GATEWAY_OVERHEAD_P50_MAX_MS:.0f} ms",
                          "value": overhead, "met": overhead <= GATEWAY_OVERHEAD_P50_MAX_MS})
    for channel in (GATEWAY, REST):
        mine = levels.get(str(NO_ERROR_LEVEL), {}).get(channel)
        if mine is not None:
            found.append({"target": f"N={NO_ERROR_LEVEL}: {channel} errors == 0", "value": mine["errors"],
                          "met": mine["errors"] == 0})
    return found


def markdown(result: Dict[str, Any]) -> str:
    lines = [f"# make bench, {result['date']}", "",
             f"Machine: {result['machine']}. Each visitor runs the 20-turn booking conversation of "
             "tools/bench/script.py; N visitors at once, max(N, 2) conversations per level.", "",
             "| N | system | turns | turns/s | p50 ms | p95 ms | p99 ms | errors | p95 / peer | turns/s / peer |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for level, at in result["levels"].items():
        peer = at.get(PEER)
        for name, row in at.items():
            lines.append(
                f"| {level} | {name} | {row['turns']} | {row['turns_per_s']} | {row['p50_ms']} | {row['p95_ms']} | "
                f"{row['p99_ms']} | {row['errors']} | {_ratio(row['p95_ms'], peer and peer['p95_ms'])} | "
                f"{_ratio(row['turns_per_s'], peer and peer['turns_per_s'])} |")
    lines += ["", "| process | start-up s | training s | peak RSS MB |", "| --- | --- | --- | --- |"]
    for name, proc in result["processes"].items():
        lines.append(f"| {name} | {proc.get('startup_s', '')} | {proc.get('training_s', '')} | {proc['peak_rss_mb']} |")
    lines += ["", "| target | measured | met |", "| --- | --- | --- |"]
    for target in result["targets"]:
        met = {True: "yes", False: "**no**", None: "not measured"}[target["met"]]
        lines.append(f"| {target['target']} | {target['value']} | {met} |")
    lines += ["", f"Whole run: {result['wall_s']:.0f} s."]
    return "\n".join(lines) + "\n"


def plots(result: Dict[str, Any], out: Path) -> List[Path]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    levels = list(result["levels"])
    names = sorted({name for at in result["levels"].values() for name in at})
    latency, axes = pyplot.subplots(figsize=(8, 5))
    for name in names:
        for percentile, style in (("p50_ms", "-"), ("p95_ms", "--"), ("p99_ms", ":")):
            values = [result["levels"][level].get(name, {}).get(percentile) for level in levels]
            axes.plot([int(level) for level in levels], values, style, marker="o", label=f"{name} {percentile[:3]}")
    axes.set(xlabel="concurrent visitors (N)", ylabel="per-turn latency (ms)", xscale="log", yscale="log",
             title="Per-turn latency percentiles by N")
    axes.legend(fontsize=7)
    throughput, taxes = pyplot.subplots(figsize=(8, 5))
    for name in names:
        values = [result["levels"][level].get(name, {}).get("turns_per_s") for level in levels]
        taxes.plot([int(level) for level in levels], values, marker="o", label=name)
    taxes.set(xlabel="concurrent visitors (N)", ylabel="turns per second", xscale="log", title="Throughput by N")
    taxes.legend(fontsize=8)
    paths = [out / "latency.png", out / "throughput.png"]
    latency.savefig(paths[0], dpi=100, bbox_inches="tight")
    throughput.savefig(paths[1], dpi=100, bbox_inches="tight")
    pyplot.close("all")
    return paths


def write(result: Dict[str, Any], out: Path) -> List[Path]:
    out.mkdir(parents=True, exist_ok=True)
    result["targets"] = targets(result["levels"])
    (out / "latest.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "latest.md").write_text(markdown(result))
    return [out / "latest.json", out / "latest.md", *plots(result, out)]
