"""Charts drawn by the project as inline SVG, on the server: nothing loaded from a CDN, no script.

Each function returns markup (every text escaped) with a <title> and a <desc>, so a screen reader
gets the figures too; the numbers are also in the page's tables and the CSV.
"""
from __future__ import annotations

from typing import Sequence, Tuple

from markupsafe import Markup, escape

INK, MUTED, BAR, BAR_LIGHT, GRID = "#1d2327", "#56646b", "#2f6f73", "#9cc5c7", "#e2e6e7"


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = 13, fill: str = INK,
          weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}" '
            f'font-weight="{weight}">{escape(text)}</text>')


def _svg(width: int, height: int, title: str, desc: str, parts: Sequence[str], css_class: str) -> Markup:
    return Markup(
        f'<svg class="{css_class}" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" aria-labelledby="{css_class}-t">'
        f'<title id="{css_class}-t">{escape(title)}</title><desc>{escape(desc)}</desc>'
        + "".join(parts) + "</svg>"
    )


def funnel_bars(steps: Sequence[Tuple[str, int]], title: str) -> Markup:
    """Horizontal bars, one per step, each with its count and its share of the first step."""
    label_width, bar_width, row, width = 170, 380, 34, 640
    height = row * len(steps) + 10
    first = steps[0][1] if steps else 0
    top = max([count for _, count in steps] + [1])
    parts = []
    for index, (label, count) in enumerate(steps):
        y = 5 + index * row
        length = bar_width * count / top
        share = f" ({count / first:.0%})" if first and index else ""
        parts.append(_text(label_width - 10, y + 20, label, anchor="end"))
        parts.append(f'<rect x="{label_width}" y="{y + 4}" width="{bar_width}" height="22" fill="{GRID}" rx="3"/>')
        parts.append(f'<rect class="bar" data-step-count="{count}" x="{label_width}" y="{y + 4}" '
                     f'width="{length:.1f}" height="22" fill="{BAR}" rx="3"/>')
        parts.append(_text(label_width + bar_width + 10, y + 20, f"{count}{share}", weight="600"))
    desc = "; ".join(f"{label}: {count}" for label, count in steps)
    return _svg(width, height, title, desc, parts, "chart-funnel")


def weekly_columns(weeks: Sequence[Tuple[str, int, int]], title: str, legend: Tuple[str, str]) -> Markup:
    """Per week, a column of the conversations started with the booked ones drawn inside it."""
    width, height, left, bottom, top_pad = 640, 220, 40, 36, 24
    plot_w, plot_h = width - left - 10, height - bottom - top_pad
    top = max([started for _, started, _ in weeks] + [1])
    slot = plot_w / max(len(weeks), 1)
    column = min(36.0, slot * 0.7)
    parts = [f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - 10}" y2="{top_pad + plot_h}" stroke="{MUTED}"/>',
             _text(left - 6, top_pad + 4, str(top), anchor="end", size=11, fill=MUTED),
             _text(left - 6, top_pad + plot_h, "0", anchor="end", size=11, fill=MUTED)]
    for index, (label, started, booked) in enumerate(weeks):
        x = left + index * slot + (slot - column) / 2
        for value, colour, name in ((started, BAR_LIGHT, "started"), (booked, BAR, "booked")):
            h = plot_h * value / top
            parts.append(f'<rect class="{name}" data-count="{value}" x="{x:.1f}" y="{top_pad + plot_h - h:.1f}" '
                         f'width="{column:.1f}" height="{h:.1f}" fill="{colour}"/>')
        parts.append(_text(x + column / 2, height - 18, label, anchor="middle", size=11, fill=MUTED))
    parts.append(f'<rect x="{left}" y="4" width="12" height="12" fill="{BAR_LIGHT}"/>')
    parts.append(_text(left + 18, 14, legend[0], size=12))
    parts.append(f'<rect x="{left + 180}" y="4" width="12" height="12" fill="{BAR}"/>')
    parts.append(_text(left + 198, 14, legend[1], size=12))
    desc = "; ".join(f"{label}: {started} {legend[0].lower()}, {booked} {legend[1].lower()}"
                     for label, started, booked in weeks)
    return _svg(width, height, title, desc, parts, "chart-weeks")
