from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from steer.models.loaded import LoadedModel
from steer.models.loaders import load_gemma3_270m, load_qwen25_coder_05b_instruct, load_smollm2
from tests.helpers import STEER, TEST_DEVICE

# The session bank: 12 of the shipped emotions, spread over valence and arousal (the full
# 34-emotion extraction is experiments/emotion_geometry; this keeps the CI tier short).
BANK_EMOTIONS = [
    "desperate", "calm", "frustrated", "happy", "sad", "afraid", "angry", "proud", "loving",
    "hostile", "nervous", "hopeful",
]  # fmt: skip


@pytest.fixture(scope="session")
def smollm2() -> LoadedModel:
    return load_smollm2(device=TEST_DEVICE)


@pytest.fixture(scope="session")
def gemma3() -> LoadedModel:
    return load_gemma3_270m(device=TEST_DEVICE)


@pytest.fixture(scope="session")
def qwen05() -> LoadedModel:
    return load_qwen25_coder_05b_instruct(device=TEST_DEVICE)


@pytest.fixture(scope="session")
def bank_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("extract") / "bank"
    result = subprocess.run(
        [STEER, "extract", "stimuli=shipped", f"vectors.emotions=[{','.join(BANK_EMOTIONS)}]",
         "publish=false",
         f"hydra.run.dir={out}"],
        capture_output=True, text=True, timeout=1500, cwd=out.parent,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    print(result.stdout)
    return out
