"""Every experiment config (conf/experiment/, documented in experiments/) composes, names the
command that runs it, and runs end to end with tiny sizes on the tiny random model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch
from omegaconf import OmegaConf

from steer.choices import Site
from steer.cli.conf_dir import conf_dir
from steer.cli.config_errors import compose_config
from steer.jobs.extract import run_extract
from steer.jobs.run import run
from steer.models.loaded import LoadedModel
from steer.stimuli.emotions import CORE
from steer.vectors.norms import default_layer
from steer.vectors.vector_set import VectorSet

EXPERIMENTS = sorted(p.stem for p in (conf_dir() / "experiment").glob("*.yaml"))
COMMAND = re.compile(r"^#\s+steer (run|extract)( -m)? experiment=(\w+)$", re.MULTILINE)
TINY_RUN = ["debug=tiny", "generation.max_new_tokens=3"]
TINY_TASK = {  # a few episodes of each task, two strengths
    "ImpossibleCodeTask": [
        "task.source=humaneval",
        "task.problems=1",
        "task.max_attempts=2",
        "steering.strengths=[0.1]",
    ],
    "BlackmailTask": ["task.scenarios=[summitbridge_affair]", "steering.strengths=[0.1]"],
    "SycophancyTask": ["task.items=[great_wall_moon,poem_competition]", "steering.strengths=[0.1]"],
}
TINY_EXTRACT = [
    "model=tiny_random",
    "vectors.emotions=[happy,sad,calm,desperate]",
    "vectors.start_token=1",
    "publish=false",
]
TINY_STORIES = ["stimuli.max_new_tokens=12", "stimuli.min_words=1", "stimuli.batch_size=4"]
EXPERIMENT_DOCS = Path(__file__).parents[2] / "experiments"


def command(experiment: str) -> tuple[str, bool]:
    """The `steer` subcommand the config's header names, and whether it is a sweep (-m)."""
    text = (conf_dir() / "experiment" / f"{experiment}.yaml").read_text()
    found = [m for m in COMMAND.finditer(text) if m.group(3) == experiment]
    assert found, f"{experiment}.yaml does not say how to run it (# steer ... experiment=...)"
    return found[0].group(1), found[0].group(2) is not None


@pytest.fixture(scope="module")
def tiny_bank(tiny: LoadedModel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random bank over the core emotions, made for the tiny model's exact weights."""
    generator = torch.Generator().manual_seed(3)
    bank = VectorSet(
        names=list(CORE),
        vectors=torch.randn(len(CORE), tiny.n_layers, tiny.d_model, generator=generator),
        layer_norms=torch.ones(tiny.n_layers),
        site=Site.resid_post,
        default_layer=default_layer(tiny.n_layers),
        provenance={"model_id": tiny.model_id, "weights_hash": tiny.weights_hash},
        reference_mean=torch.zeros(tiny.n_layers, tiny.d_model),
    )
    path = tmp_path_factory.mktemp("bank") / "bank.safetensors"
    bank.save(path)
    return path


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_every_experiment_has_a_readme_that_gives_its_command(experiment: str) -> None:
    subcommand, sweep = command(experiment)
    documents = [EXPERIMENT_DOCS.parent / "README.md", *EXPERIMENT_DOCS.rglob("README.md")]
    readmes = "\n".join(p.read_text() for p in documents)
    flag = " -m" if sweep else ""
    assert f"steer {subcommand}{flag} experiment={experiment}" in readmes


@pytest.mark.parametrize("experiment", [e for e in EXPERIMENTS if command(e)[0] == "run"])
def test_every_run_experiment_runs_on_the_tiny_model(
    experiment: str, tiny_bank: Path, tmp_path: Path
) -> None:
    cfg = compose_config([f"experiment={experiment}"])
    small = list(TINY_RUN)
    if "path" in cfg.vectors:
        small.append(f"vectors.path={tiny_bank}")
    if cfg.readouts.bank is not None:
        small.append(f"readouts.bank={tiny_bank}")
    small += TINY_TASK.get(cfg.task._target_.rsplit(".", 1)[1], [])
    cfg = compose_config([f"experiment={experiment}", *small])
    metrics = run(cfg, tmp_path)
    assert (tmp_path / "generations.jsonl").is_file()
    assert metrics, "the run returned no metrics"


@pytest.mark.parametrize("experiment", [e for e in EXPERIMENTS if command(e)[0] == "run"])
def test_every_swept_value_composes(experiment: str) -> None:
    text = (conf_dir() / "experiment" / f"{experiment}.yaml").read_text()
    params = OmegaConf.create(text).get("hydra", {}).get("sweeper", {}).get("params", {})
    for key, values in params.items():
        for value in re.split(r",(?![^\[]*\])", str(values)):
            cfg = compose_config([f"experiment={experiment}", f"{key}={value}"])
            assert OmegaConf.select(cfg, key) is not None
            if key == "steering.vector":
                assert value in CORE, f"{value} is not a core emotion of the published bank"


@pytest.mark.parametrize("experiment", [e for e in EXPERIMENTS if command(e)[0] == "extract"])
def test_every_extract_experiment_runs_on_the_tiny_model(
    experiment: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STEER_CACHE", str(tmp_path / "cache"))  # stories and activations
    cfg = compose_config([f"experiment={experiment}", *TINY_EXTRACT], "extract")
    if cfg.stimuli._target_.endswith("self_generated"):
        cfg = compose_config([f"experiment={experiment}", *TINY_EXTRACT, *TINY_STORIES], "extract")
    metrics = run_extract(cfg, tmp_path, [], "tiny_random")
    assert (tmp_path / "bank.safetensors").is_file()
    assert (tmp_path / "validation.json").is_file()
    assert "probe_top1" in " ".join(metrics)
