"""JSON as steer writes and reads it: strict, atomic, and line by line.

Every JSON file and line the project writes goes through ``dumps``, so any JSON parser can read
it: a float that is NaN or infinite (a metric that is undefined, e.g. the correlation of a
constant) is written as ``null``, and ``allow_nan=False`` turns anything that slips past that
into an error rather than a bare ``NaN`` in the file. Readers of numbers treat ``null`` as "no
value" (``steer.metrics.aggregate`` skips it).

Records are JSON lines appended and flushed one by one, so a killed writer keeps them. A last
line without its newline is a record torn by a kill: readers skip it and the next writer cuts
it. Any other line that is not a JSON object is damage, reported with its file and line number;
the file is never rewritten because of it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from steer.errors import SteerError

__all__ = [
    "RecordWriter",
    "drop_torn_tail",
    "dumps",
    "finite_or_none",
    "has_torn_tail",
    "read_records",
    "write_json",
    "write_jsonl",
]

DAMAGED_FIX = (
    "restore that line or delete it (a deleted record is generated again when the run is "
    "resumed); steer changed nothing"
)


def finite_or_none(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by None (nested dicts and lists;
    tuples become lists). A non-finite float as a dict key is an error: it names nothing."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            if isinstance(key, float) and not math.isfinite(key):
                raise ValueError(f"a JSON key may not be {key!r}")
            out[key] = finite_or_none(item)
        return out
    if isinstance(value, list | tuple):
        return [finite_or_none(item) for item in value]
    return value


def dumps(value: Any, indent: int | None = None) -> str:
    """Strict JSON text (no NaN or Infinity; see the module docstring)."""
    return json.dumps(finite_or_none(value), indent=indent, ensure_ascii=False, allow_nan=False)


class RecordWriter:
    """Appends one JSON line per record and flushes it (use as a context manager)."""

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
        self._handle.write(dumps(record) + "\n")
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


def has_torn_tail(path: Path) -> bool:
    """Whether the file's last line lacks its newline (a writer was killed mid-line)."""
    if not path.is_file() or path.stat().st_size == 0:
        return False
    with path.open("rb") as handle:
        handle.seek(-1, 2)
        return handle.read(1) != b"\n"


def read_records(
    path: Path, fields: Sequence[str] = (), fix: str = DAMAGED_FIX
) -> Iterator[dict[str, Any]]:
    """Every complete record of a JSON-lines file, each a JSON object holding ``fields``.

    A torn last line (no newline: a writer killed mid-line) is skipped. A damaged line anywhere
    else (not JSON, not an object, a field missing, not UTF-8) raises a SteerError naming the
    file and the line.
    """
    if not path.is_file():
        return
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.endswith(b"\n") or not raw.strip():
                continue
            yield _record(raw, number, path, fields, fix)


def _record(raw: bytes, number: int, path: Path, fields: Sequence[str], fix: str) -> dict[str, Any]:
    try:
        record = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SteerError(f"{path} line {number} is not UTF-8 text", fix) from None
    except json.JSONDecodeError as error:
        raise SteerError(f"{path} line {number} is not valid JSON ({error.msg})", fix) from None
    if not isinstance(record, dict):
        raise SteerError(f"{path} line {number} is not a JSON object", fix)
    missing = [name for name in fields if name not in record]
    if missing:
        raise SteerError(
            f"{path} line {number} is not a record of this file: it has no {', '.join(missing)}",
            fix,
        )
    return record


def write_json(path: Path, value: Any) -> None:
    """Write strict JSON atomically (temp file, then rename): a reader never sees half a file."""
    _replace(path, dumps(value, indent=2) + "\n")


def write_jsonl(path: Path, records: Iterable[Mapping[str, Any]]) -> None:
    """Write JSON lines atomically (a whole file at once, unlike RecordWriter's appends)."""
    _replace(path, "".join(dumps(r) + "\n" for r in records))


def _replace(path: Path, text: str) -> None:
    scratch = path.with_suffix(path.suffix + ".tmp")
    scratch.write_text(text, encoding="utf-8")
    scratch.replace(path)
