"""Counting what each data-quality rule touched, for metrics/data_quality.json."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class QualityLog:
    rows_read: dict[str, int] = field(default_factory=dict)
    rules: dict[str, dict] = field(default_factory=dict)
    customers: dict[str, int] = field(default_factory=dict)

    def declare(self, *rules: str) -> None:
        """List rules up front so that a rule that touched nothing still reports zero."""
        for rule in rules:
            self.rules.setdefault(rule, {"rows": 0, "customer_ids": set(), "by_source": {}})

    def record(self, rule: str, ids: Iterable, detail: str | None = None) -> None:
        """One application of a rule: ``ids`` holds the customer id of every row it touched."""
        ids = [str(i) for i in ids]
        self.add(rule, len(ids), set(ids), {detail: len(ids)} if detail else {})

    def add(self, rule: str, rows: int, ids: set, by_source: dict) -> None:
        self.declare(rule)
        entry = self.rules[rule]
        entry["rows"] += rows
        entry["customer_ids"] |= ids
        for source, count in by_source.items():
            entry["by_source"][source] = entry["by_source"].get(source, 0) + count

    def merge(self, other: QualityLog) -> None:
        """Add another log's counts (a partition of the same run): rules in this log's order first."""
        for rule, entry in other.rules.items():
            self.add(rule, entry["rows"], entry["customer_ids"], entry["by_source"])
        for mine, theirs in ((self.rows_read, other.rows_read), (self.customers, other.customers)):
            for name, count in theirs.items():
                mine[name] = mine.get(name, 0) + count

    def as_dict(self) -> dict:
        rules = {}
        for name, entry in self.rules.items():
            rules[name] = {"rows": entry["rows"], "customers": len(entry["customer_ids"])}
            if entry["by_source"]:
                rules[name]["rows_by_source"] = dict(sorted(entry["by_source"].items()))
        return {"rows_read": dict(self.rows_read), "rules": rules, "customers": dict(self.customers)}
