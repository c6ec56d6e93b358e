"""Two `steer run` processes into one run directory: the second is refused at once (exit 2) and
the first finishes with exactly one record per (prompt, strength)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from tests.helpers import STEER

# six prompts x three strengths, one prompt per batch, long enough replies to be caught midway
SLOW = [
    "debug=tiny", "vectors.reference_limit=4", "generation.batch_size=3",
    "generation.max_new_tokens=32",
]  # fmt: skip


def records(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines(keepends=True)
            if line.endswith("\n")]  # fmt: skip


def test_a_second_process_is_refused_and_the_first_writes_each_pair_once(tmp_path: Path) -> None:
    out = tmp_path / "run"
    command = [STEER, "run", *SLOW, f"hydra.run.dir={out}"]
    first = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    generations = out / "generations.jsonl"
    deadline = time.time() + 300
    while time.time() < deadline and len(records(generations)) < 3 and first.poll() is None:
        time.sleep(0.05)
    os.kill(first.pid, signal.SIGSTOP)  # frozen mid-run, holding the directory
    try:
        written = len(records(generations))
        assert 3 <= written < 18, "the first process should be stopped inside its run"
        started = time.time()
        second = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
        refused_after = time.time() - started
        assert len(records(generations)) == written  # the second wrote nothing
    finally:
        os.kill(first.pid, signal.SIGCONT)
    _, stderr = first.communicate(timeout=300)
    assert second.returncode == 2
    error = [line for line in second.stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and "is in use: another steer process is writing into it" in error[0]
    assert "Traceback" not in second.stderr
    assert refused_after < 120  # at once: before its model loaded or anything generated
    assert first.returncode == 0, stderr
    pairs = [(r["prompt_id"], r["strength"]) for r in records(generations)]
    assert len(pairs) == len(set(pairs)) == 18
    metrics = json.loads((out / "metrics.json").read_text())
    assert {entry["n"] for entry in metrics["by_strength"].values()} == {6}
