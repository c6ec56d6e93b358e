"""The records of a run (``generations.jsonl``): one per prompt and strength.

A bottom-layer module beside ``steer.json_files`` (JSON and JSONL, atomic writes, torn lines):
everything that reads or writes run records uses these two, and neither imports anything of
steer but ``steer.errors``. Reading checks every line (``steer.json_files.read_records``) and
the fields the summaries need; ``duplicated`` finds (prompt, strength) pairs recorded more than
once, which a run never writes itself (a run directory is held by one process at a time) and
which would count twice in every statistic.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from steer.errors import SteerError
from steer.json_files import read_records

__all__ = [
    "GENERATIONS",
    "METRICS",
    "RECORD_FIELDS",
    "duplicated",
    "read_run_records",
    "refuse_duplicates",
    "row_of",
]

GENERATIONS = "generations.jsonl"
METRICS = "metrics.json"  # the per-strength summary a finished run writes beside its records
# What every reader of a run record relies on (aggregation, compare, resuming, reproduce).
RECORD_FIELDS = ("prompt_id", "strength", "vector", "layers", "text", "metrics", "n_tokens",
                 "finish_reason")  # fmt: skip

Row = tuple[str, float]


def read_run_records(path: Path) -> Iterator[dict[str, Any]]:
    """The complete records of a generations file, each checked to be a run record."""
    for record in read_records(path, RECORD_FIELDS):
        if not isinstance(record["metrics"], dict) or not _number(record["strength"]):
            raise SteerError(
                f"{path} holds a record for prompt {record['prompt_id']!r} whose "
                f"'strength' ({record['strength']!r}) or 'metrics' is not what steer writes",
                "restore the record or delete its line (it is generated again on resume); "
                "steer changed nothing",
            )
        yield record


def _number(value: object) -> bool:
    """A finite number (a NaN strength, written by older versions, keys nothing)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value)


def row_of(record: Mapping[str, Any]) -> Row:
    return str(record["prompt_id"]), float(record["strength"])


def duplicated(records: Iterable[Mapping[str, Any]]) -> dict[Row, int]:
    """(prompt, strength) pairs with more than one record, and how many each has."""
    counts = Counter(row_of(r) for r in records)
    return {row: count for row, count in counts.items() if count > 1}


def refuse_duplicates(records: Iterable[Mapping[str, Any]], path: Path) -> None:
    """A SteerError when a generations file holds a (prompt, strength) pair twice."""
    listed = list(records)
    twice = duplicated(listed)
    if twice:
        (prompt, strength), count = next(iter(twice.items()))
        pairs = len({row_of(r) for r in listed})
        raise SteerError(
            f"{path} holds {len(listed)} records for {pairs} (prompt, strength) pairs: "
            f"{len(twice)} pair(s) recorded more than once (prompt {prompt!r} at strength "
            f"{strength:g} {count} times), as when two processes wrote into one run directory; "
            "every statistic would count them twice",
            "re-run into a new directory (hydra.run.dir=...); steer changed nothing",
        )
