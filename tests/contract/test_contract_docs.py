"""docs/contract.md is generated from the schema and must not drift from it."""

from __future__ import annotations

from pathlib import Path

from riskmodel.contract import RULES, TABLES
from riskmodel.contract.docs import render_markdown

DOCS = Path(__file__).resolve().parents[2] / "docs" / "contract.md"


def test_committed_docs_equal_the_rendered_schema():
    assert DOCS.read_text("utf-8") == render_markdown(), (
        "docs/contract.md is stale: run `python -m riskmodel.contract.docs docs/contract.md`")


def test_docs_name_every_table_column_and_rule():
    text = render_markdown()
    for table in TABLES.values():
        assert f"## {table.name} ({table.zh})" in text
        for col in table.columns:
            assert f"| `{col.name}` | {col.zh} |" in text
    for rule in RULES:
        assert f"| `{rule}` |" in text
    assert "`alleviated` 脱贫户" in text and "| `illness` | 因病 |" in text
