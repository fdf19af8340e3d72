"""The French texts of the BUD check (data/programme/bud/explanations.fr.yaml), and how values are written in them
(dates, numbers and lists through assistant/french.py). The rules never hold a French sentence; the texts never
hold a rule."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from assistant import french

french_number = french.number


class Texts:
    """The French templates of explanations.fr.yaml, and how values are written in them."""

    def __init__(self, data: dict):
        self.data = data
        self.labels: dict[str, dict[str, str]] = data.get("labels") or {}

    def get(self, key: str) -> str:
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise KeyError(f"no French text for {key}")
            node = node[part]
        if not isinstance(node, str):
            raise KeyError(f"{key} is not a text")
        return node

    def label(self, table: str, code: str) -> str:
        return self.labels[table][code]

    def render(self, key: str, args: dict[str, Any]) -> str:
        template = self.get(key)
        return template.format(**{name: self.write(name, value) for name, value in args.items()})

    def write(self, name: str, value: Any) -> str:
        if value is None:
            return ""
        if name in self.labels and isinstance(value, str):
            return self.labels[name].get(value, value)
        if isinstance(value, dt.date):
            return self.date(value)
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, int) and name.endswith("year"):
            return str(value)
        if isinstance(value, (int, float, Decimal)):
            return french_number(value)
        if isinstance(value, (list, tuple)):
            return french.join(self.write(name, v) for v in value)
        return str(value)

    def date(self, day: dt.date) -> str:
        return french.date(day)
