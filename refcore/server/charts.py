"""Small charts drawn on the server as inline SVG (no script, no CDN: the CSP allows none).

:func:`pass_chart` draws a cloud's timeline: the required pass percentage of each run, oldest
left, a filled circle for a run that meets the guideline/target and a hollow square for one
that does not (shape, not only colour). It scales with its container (``viewBox``); the
table next to it carries the same figures for screen readers and keyboard users.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

__all__ = ["pass_chart"]

WIDTH, HEIGHT = 480, 150
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 10, 26
FONT = 12
MEETS, FAILS = "#1b6e2f", "#b3261e"


def pass_chart(points: Sequence[dict[str, Any]], *, label: str) -> Markup:
    """An SVG of ``points`` (``pass_percent``, ``meets``, ``at``, ``run_id``, oldest first)."""
    n = len(points)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    # the axis starts at the lowest run's tens (0 when one fell below 50 %), so 98 % and
    # 100 % are apart when every run is near the top
    lowest = min((float(p["pass_percent"]) for p in points), default=0.0)
    floor = 0 if lowest < 50 else int(max(0.0, lowest - 5) // 10 * 10)

    def x(i: int) -> float:
        return LEFT + (plot_w / 2 if n == 1 else plot_w * i / (n - 1))

    def y(percent: float) -> float:
        share = (max(floor, min(100.0, percent)) - floor) / (100 - floor)
        return TOP + plot_h * (1 - share)

    met = sum(1 for p in points if p["meets"])
    desc = f"{n} runs, {met} meet; latest {points[-1]['pass_percent']}%" if n else "no runs"
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(label)}: {escape(desc)}">',
        f"<title>{escape(label)}</title><desc>{escape(desc)}</desc>",
    ]
    for percent in (floor, (floor + 100) // 2, 100):
        yy = y(percent)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{yy:.1f}" y2="{yy:.1f}" '
            'stroke="#bbb" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{yy + 4:.1f}" text-anchor="end" font-size="{FONT}" '
            f'fill="#3d3d3d">{percent}%</text>'
        )
    if n > 1:
        path = " ".join(
            f"{x(i):.1f},{y(float(p['pass_percent'])):.1f}" for i, p in enumerate(points)
        )
        parts.append(f'<polyline points="{path}" fill="none" stroke="#3d3d3d" stroke-width="1.5"/>')
    for i, p in enumerate(points):
        cx, cy = x(i), y(float(p["pass_percent"]))
        tip = escape(
            f"{p['at'][:16].replace('T', ' ')}: {p['pass_percent']}% "
            f"({'meets' if p['meets'] else 'does not meet'})"
        )
        if p["meets"]:
            parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="{MEETS}"><title>{tip}</title></circle>')  # fmt: skip
        else:
            parts.append(
                f'<rect x="{cx - 4:.1f}" y="{cy - 4:.1f}" width="8" height="8" fill="#fff" '
                f'stroke="{FAILS}" stroke-width="2"><title>{tip}</title></rect>'
            )
    if n:
        parts.append(
            f'<text x="{LEFT}" y="{HEIGHT - 6}" font-size="{FONT}" fill="#3d3d3d">'
            f"{escape(points[0]['at'][:10])}</text>"
            f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 6}" text-anchor="end" font-size="{FONT}" '
            f'fill="#3d3d3d">{escape(points[-1]["at"][:10])}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
