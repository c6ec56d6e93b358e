"""`stimuli=file`: stories of your own from a JSON-lines file, refused line by line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from steer.errors import SteerError
from steer.models.loaded import LoadedModel
from steer.stimuli.from_file import FileStimuli

ROWS = [
    {"emotion": "happy", "topic": "a garden", "text": "The tomatoes came up at last."},
    {"emotion": "happy", "topic": "a letter", "text": "Her letter said yes.", "narrator": "first"},
    {"emotion": "sad", "topic": "a garden", "text": "The frost took every plant."},
]


def _write(path: Path, rows: list[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_the_stories_asked_for_are_read(tiny: LoadedModel, tmp_path: Path) -> None:
    stimuli = FileStimuli(str(_write(tmp_path / "s.jsonl", ROWS)))
    happy = stimuli.stories(tiny, ["happy"])
    assert [(s.emotion, s.topic, s.narrator) for s in happy] == [
        ("happy", "a garden", ""),
        ("happy", "a letter", "first"),
    ]
    assert {s.source for s in happy} == {"file:s.jsonl"}
    assert len(stimuli.stories(tiny, ["sad", "happy"])) == 3
    assert stimuli.neutral(tiny) and stimuli.name == "file"


def test_a_source_in_the_file_is_kept_so_its_weight_applies(tmp_path: Path) -> None:
    from steer.extraction.pipeline import ExtractionSettings

    rows = [*ROWS, {"emotion": "sad", "topic": "a letter", "text": "No.", "source": "registers"}]
    stories = FileStimuli(str(_write(tmp_path / "s.jsonl", rows))).all_stories
    assert [s.source for s in stories] == ["file:s.jsonl"] * 3 + ["registers"]
    weights = ExtractionSettings(source_weights=(("registers", 0.25),)).text_weights(stories)
    assert weights.tolist() == [1.0, 1.0, 1.0, 0.25]


def test_an_emotion_without_a_story_is_named(tiny: LoadedModel, tmp_path: Path) -> None:
    stimuli = FileStimuli(str(_write(tmp_path / "s.jsonl", ROWS)))
    with pytest.raises(SteerError) as caught:
        stimuli.stories(tiny, ["happy", "calm"])
    assert f"{tmp_path / 's.jsonl'} has no story for calm;" in caught.value.one_line()
    assert "some of: happy, sad" in caught.value.one_line()


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ('{"emotion": "happy", "topic": "t", "text": "x"}\nnot json\n', "line 2 is not JSON"),
        ('["happy", "t", "x"]\n', "line 1 is not a JSON object"),
        ('{"emotion": "happy", "text": "x"}\n', "line 1 has no topic"),
        ('{"emotion": "happy", "topic": "t", "text": "  "}\n', "line 1 has no text"),
        ('{"emotion": 3, "topic": "t", "text": "x"}\n', "line 1 has no emotion"),
        ("\n\n", "holds no stories"),
    ],
)
def test_a_bad_line_is_refused_in_one_line(tmp_path: Path, lines: str, message: str) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text(lines, encoding="utf-8")
    with pytest.raises(SteerError, match=message) as caught:
        FileStimuli(str(path))
    assert "\n" not in caught.value.one_line() and "JSON object per line" in caught.value.fix


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SteerError, match="does not exist"):
        FileStimuli(str(tmp_path / "nope.jsonl"))
