"""Run records: JSON lines appended and flushed one by one, so a killed run keeps them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO


class RecordWriter:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: TextIO | None = None

    def __enter__(self) -> RecordWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        drop_torn_tail(self.path)
        self._handle = self.path.open("a", encoding="utf-8")
        return self

    def write(self, record: Mapping[str, Any]) -> None:
        assert self._handle is not None, "use RecordWriter as a context manager"
        self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._handle.flush()

    def __exit__(self, *_exc: object) -> None:
        if self._handle is not None:
            self._handle.close()


def drop_torn_tail(path: Path) -> None:
    """Cut a last line left half-written by a killed run (it is no complete record)."""
    if not path.is_file():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        path.write_bytes(data[: data.rfind(b"\n") + 1])


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """Every complete record; a torn last line (a run killed mid-write) is skipped."""
    if not path.is_file():
        return
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.endswith("\n") and line.strip():
                yield json.loads(line)


def write_json(path: Path, value: Any) -> None:
    """Write JSON atomically (temp file, then rename): a reader never sees half a file."""
    scratch = path.with_suffix(path.suffix + ".tmp")
    scratch.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    scratch.replace(path)


def write_jsonl(path: Path, records: Iterable[Mapping[str, Any]]) -> None:
    """Write JSON lines atomically (a whole file at once, unlike RecordWriter's appends)."""
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    scratch = path.with_suffix(path.suffix + ".tmp")
    scratch.write_text(lines, encoding="utf-8")
    scratch.replace(path)
