"""A finished run is skipped only when its inputs are unchanged; otherwise it is refused."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from steer.cli.config_errors import compose_config
from steer.errors import SteerError
from steer.jobs.run import run

TINY = ["debug=tiny", "vectors.reference_limit=4", "generation.max_new_tokens=3"]


def test_a_finished_run_is_skipped_and_a_changed_prompt_file_is_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    prompts = tmp_path / "p.jsonl"
    prompts.write_text('{"id": "a", "prompt": "Hello there"}\n')
    overrides = [*TINY, f"task.path={prompts}"]
    out = tmp_path / "run"
    first = run(compose_config(overrides), out, overrides)
    with caplog.at_level(logging.INFO):
        again = run(compose_config(overrides), out, overrides)
    assert "finished: skipped" in caplog.text and again == first

    prompts.write_text('{"id": "a", "prompt": "A totally different prompt"}\n')
    before = (out / "generations.jsonl").read_text()
    with pytest.raises(SteerError, match="different config"):
        run(compose_config(overrides), out, overrides)
    assert (out / "generations.jsonl").read_text() == before
