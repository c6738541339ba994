"""Shared loader of the hand-made dedup clusters (fixtures/dedup/clusters.jsonl)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from scraper.dedup import Assignment, Document

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "dedup" / "clusters.jsonl"


@dataclass(frozen=True, slots=True)
class Case:
    """One fixture record: the document, its expected cluster label, its edit kind and its
    text (the document's, typed as the str it is)."""

    doc: Document
    expect: str
    kind: str
    text: str


def load_cases() -> list[Case]:
    """Every record of the fixture, in file order."""
    cases = []
    for line in FIXTURE.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        published = record.get("published")
        doc = Document(
            url=record["url"],
            text=record["text"],
            title=record.get("title"),
            published=datetime.fromisoformat(published) if published else None,
            canonical=record.get("canonical_url"),
        )
        cases.append(Case(doc, record["expect"], record["kind"], record["text"]))
    return cases


def partition(labels: list[str], assignments: list[Assignment]) -> set[frozenset[str]]:
    """The groups of ``labels`` that share a cluster id."""
    groups: dict[str, set[str]] = {}
    for label, assignment in zip(labels, assignments, strict=True):
        groups.setdefault(assignment.cluster, set()).add(label)
    return {frozenset(g) for g in groups.values()}
