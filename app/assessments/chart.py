"""The result charts: horizontal (grouped) bars drawn on the server as SVG, numbers in the table beside."""
from __future__ import annotations

from dataclasses import dataclass

from app.assessments.services import ScaleResult

BAR_HEIGHT = 22
CHART_WIDTH = 360


@dataclass(frozen=True)
class Bar:
    """One bar: its place and size in the viewBox, the value printed beside it, and its series."""

    x: float
    y: float
    width: float
    height: float
    label_y: float
    value: str
    series: int


def bars(groups: list[list[ScaleResult]]) -> tuple[list[tuple[str, float, list[Bar]]], float]:
    """Rows of a (grouped) horizontal bar chart: per scale its name, label y and one bar per result."""
    rows = []
    y = 0.0
    for scale_results in zip(*groups, strict=True):
        label_y = y + 16
        y += 22
        scale_bars = []
        for series, result in enumerate(scale_results):
            span = (result.high - result.low) or 1
            width = max(2.0, (result.score - result.low) / span * (CHART_WIDTH - 60))
            scale_bars.append(Bar(0, y, round(width, 1), BAR_HEIGHT, y + 16, format_score(result.score), series))
            y += BAR_HEIGHT + 4
        rows.append((scale_results[0].name, label_y, scale_bars))
        y += 10
    return rows, y


def format_score(value: float) -> str:
    """A score as people read it: whole numbers bare, others with two decimals."""
    return f"{value:g}" if float(value).is_integer() else f"{value:.2f}"
