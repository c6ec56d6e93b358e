"""scripts/export_stories: a model's cached stories become a `stimuli=file` file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from steer.stimuli.from_file import read_stories
from steer.stimuli.shipped import load_shipped

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "export_stories"


def _cache(tmp_path: Path) -> Path:
    cache = tmp_path / "stories" / "abc"
    (cache / "rejected").mkdir(parents=True)
    (cache / "settings.json").write_text("{}")
    records = [
        {
            "topic": "a hike",
            "index": 0,
            "attempt": 2,
            "emotion": "calm",
            "narrator": "first",
            "text": "I sat on the rock and let my breath slow.",
        },
        {
            "topic": "a bike",
            "index": 0,
            "attempt": 1,
            "emotion": "calm",
            "narrator": "third",
            "text": "He shrugged and walked to the bus.",
        },
    ]
    (cache / "calm.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    # a rejected attempt must not be exported
    (cache / "rejected" / "calm.jsonl").write_text(
        json.dumps({"emotion": "calm", "topic": "a hike", "text": "I felt calm."}) + "\n"
    )
    return cache


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(SCRIPT), *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_accepted_stories_are_exported_readable_by_stimuli_file(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = _run(_cache(tmp_path), out)
    assert result.returncode == 0, result.stderr
    stories = read_stories(out)
    assert [(s.emotion, s.topic, s.narrator) for s in stories] == [
        ("calm", "a hike", "first"),
        ("calm", "a bike", "third"),
    ]


def test_with_shipped_appends_the_shipped_stories_of_the_same_emotions(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = _run(_cache(tmp_path), out, "--with-shipped")
    assert result.returncode == 0, result.stderr
    stories = read_stories(out)
    shipped = load_shipped(["calm"])
    assert len(stories) == 2 + len(shipped)
    assert [s.text for s in stories[2:]] == [s.text for s in shipped]
    assert {s.emotion for s in stories} == {"calm"}


def test_a_folder_that_is_not_a_story_cache_is_refused_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = _run(tmp_path, out)
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1
    assert "not a story cache" in result.stderr
    assert not out.exists()
