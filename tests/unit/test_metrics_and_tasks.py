"""Text metrics, aggregation, and the prompts task."""

from __future__ import annotations

from pathlib import Path

import pytest

from steer.errors import SteerError
from steer.metrics.aggregate import aggregate_by_strength, flat_metrics
from steer.metrics.text import emotion_word_counts, repetition, text_metrics, vader_compound
from steer.resources import emotion_words
from steer.tasks.prompts import PromptsTask, load_prompt_file


def test_the_paper_list_has_171_distinct_emotions() -> None:
    words = emotion_words()
    assert len(words) == 171 == len(set(words))
    assert {"desperate", "calm", "at ease", "worn out", "grief-stricken"} <= set(words)


def test_vader_has_the_expected_sign() -> None:
    assert vader_compound("What a wonderful, happy day!") > 0.5
    assert vader_compound("This is a horrible, miserable day.") < -0.5
    assert vader_compound("The table has four legs.") == 0.0


def test_emotion_words_are_whole_words_including_phrases() -> None:
    counts = emotion_word_counts("Calm and at ease; calmer? No. CALM. I feel worn out, not content")
    assert counts == {"calm": 2, "at ease": 1, "worn out": 1, "content": 1}
    assert text_metrics("I am happy")["emotion_words"] == 1.0


def test_repetition_is_zero_for_plain_text_and_near_one_for_a_loop() -> None:
    assert repetition("The cat sat on the mat and looked at the door.") == 0.0
    assert repetition("happy " * 40) == pytest.approx(37 / 38)
    assert repetition("I am. I am. I am.") == pytest.approx(1 - 3 / 7)
    assert repetition("two words") == 0.0
    assert text_metrics("so so so so so")["repetition"] == round(2 / 3, 4)


def record(strength: float, vader: float, tokens: int) -> dict:
    return {
        "strength": strength,
        "n_tokens": tokens,
        "finish_reason": "eos",
        "metrics": {"vader_compound": vader},
    }


def test_aggregates_carry_deltas_against_strength_zero() -> None:
    rows = [record(0.0, 0.2, 10), record(0.0, 0.4, 20), record(0.1, 0.9, 10), record(-0.1, -0.5, 4)]
    summary = aggregate_by_strength(rows, PromptsTask.metrics)
    assert list(summary) == ["-0.1", "0", "+0.1"]
    assert summary["+0.1"]["delta"]["vader_compound"] == pytest.approx(0.6)
    assert summary["-0.1"]["delta"]["n_tokens"] == pytest.approx(-11)
    flat = flat_metrics(summary)
    assert flat["delta_vader_compound@+0.1"] == pytest.approx(0.6)
    assert "delta_vader_compound@0" not in flat


def test_prompt_files_text_and_jsonl(tmp_path: Path) -> None:
    text = tmp_path / "p.txt"
    text.write_text("# a comment\nFirst?\n\nSecond?\n")
    assert [p.text for p in load_prompt_file(text)] == ["First?", "Second?"]
    jsonl = tmp_path / "p.jsonl"
    jsonl.write_text(
        '{"id": "a", "prompt": "Hi"}\n{"messages": [{"role": "user", "content": "Yo"}]}\n'
    )
    prompts = PromptsTask(path=str(jsonl)).episodes()
    assert [(p.id, p.text) for p in prompts] == [("a", "Hi"), ("p001", "Yo")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "holds no prompts"),
        ('{"prompt": "ok"}\n{broken\n', "line 2 is not valid JSON"),
        ('{"prompt": ""}\n', "line 1 has no non-empty"),
        ("[1, 2]\n", "line 1 is not a JSON object"),
    ],
)
def test_broken_prompt_files_name_the_problem(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text(content)
    with pytest.raises(SteerError, match=message):
        load_prompt_file(path)


def test_a_missing_prompt_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SteerError, match="does not exist"):
        PromptsTask(path=str(tmp_path / "none.txt")).episodes()
