"""The error table's public names in one import: rows as data (:mod:`.rows`) and the classifier
(:mod:`.classify`). Kept so that ``from foundry_cli.doctor.table import ...`` keeps working."""

from __future__ import annotations

from foundry_cli.doctor.classify import classify, classify_http, classify_text
from foundry_cli.doctor.rows import ROW_BY_ID, ROWS, Row, render_markdown_table, row

__all__ = [
    "ROWS",
    "ROW_BY_ID",
    "Row",
    "classify",
    "classify_http",
    "classify_text",
    "render_markdown_table",
    "row",
]
