"""The SVG charts: one bar per value, labels thinned to about 12, a legend entry per series, text escaped."""

from __future__ import annotations

import re

import pytest

from riskmodel.web import charts


@pytest.mark.parametrize("draw", [charts.stacked_bars, charts.grouped_bars])
def test_bars_labels_and_legend(draw):
    labels = [f"w{i}" for i in range(30)]
    svg = str(draw(labels, {"工资": [1.0] * 30, "<b>": [2.0] * 30}, "收入"))
    assert len(re.findall(r'<rect x="[0-9.]+" y="[0-9.]+" width="[0-9.]+" height="[0-9.]+" fill="#[0-9a-f]+"><title>', svg)) == 60
    shown = re.findall(r'text-anchor="middle" [^>]*>(w\d+)</text>', svg)
    assert shown == [f"w{i}" for i in range(0, 30, 2)]  # every second of 30 labels
    assert svg.count('width="10" height="10"') == 2 and "&lt;b&gt;" in svg and "<b>" not in svg


@pytest.mark.parametrize("draw", [charts.stacked_bars, charts.grouped_bars])
def test_few_labels_are_all_shown_and_nothing_is_drawn_without_data(draw):
    svg = str(draw(["a", "b", "c"], {"x": [1, 2, 3]}, "t"))
    assert re.findall(r'text-anchor="middle" [^>]*>(\w)</text>', svg) == ["a", "b", "c"]
    assert str(draw([], {"x": []}, "t")) == "" and str(draw(["a"], {}, "t")) == ""
