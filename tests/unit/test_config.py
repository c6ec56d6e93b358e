"""Every config group composes and instantiates (experiments: tests/unit/test_experiments.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra.utils import instantiate

from steer.cli.conf_dir import conf_dir
from steer.cli.config_errors import check_overrides, compose_config
from steer.errors import SteerError
from steer.models.loaded import LoadedModel
from steer.vectors.vector_set import VectorSet

CONF = conf_dir()


def options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


@pytest.mark.parametrize(
    ("group", "option"),
    [(g, o) for g in ("model", "vectors", "task", "steering", "generation") for o in options(g)],
)
def test_every_option_of_every_group_composes(group: str, option: str) -> None:
    extra = {"hf": ["model.name=gpt2"], "file": ["vectors.path=bank.safetensors"]}.get(option, [])
    cfg = compose_config([f"{group}={option}", *extra])
    assert cfg[group] is not None


@pytest.mark.parametrize("option", options("stimuli"))
def test_every_stimuli_option_composes_into_the_extract_config(option: str) -> None:
    cfg = compose_config([f"stimuli={option}"], config_name="extract")
    assert cfg.vectors.start_token == 50 and cfg.vectors.denoise_fraction == 0.5


def test_every_cheap_group_option_instantiates(tiny: LoadedModel, tmp_path: Path) -> None:
    """Models other than tiny_random load real weights: tests/integration instantiates them."""
    cfg = compose_config(["model=tiny_random"])
    model = instantiate(cfg.model)
    assert isinstance(model, LoadedModel) and model.n_layers == 4
    assert [p.id for p in instantiate(cfg.task).episodes()][:2] == ["p000", "p001"]
    contrast = instantiate(compose_config(["vectors.reference_limit=4"]).vectors)(tiny)
    assert isinstance(contrast, VectorSet) and contrast.names == ["happy_vs_sad"]
    contrast.save(tmp_path / "v.safetensors")
    for option in ("file", "bank"):
        node = compose_config([f"vectors={option}", f"vectors.path={tmp_path / 'v.safetensors'}"])
        assert instantiate(node.vectors)(tiny).names == ["happy_vs_sad"]
    stories = tmp_path / "stories.jsonl"
    stories.write_text('{"emotion": "happy", "topic": "a garden", "text": "It grew."}\n')
    for option in options("stimuli"):
        extra = [f"stimuli.path={stories}"] if option == "file" else []
        extract_cfg = compose_config([f"stimuli={option}", *extra], config_name="extract")
        assert instantiate(extract_cfg.stimuli).name.split("+")[0] == option
    default = instantiate(compose_config([], config_name="extract").stimuli)
    assert default.name == "shipped+more_stories+registers"


def test_the_default_bank_lives_under_the_cache_root(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("STEER_CACHE", str(tmp_path))
    cfg = compose_config(["vectors=bank"])
    assert cfg.vectors.path == str(
        tmp_path / "banks" / "smollm2_135m_instruct" / "bank.safetensors"
    )


def test_the_loaders_of_the_real_models_are_importable() -> None:
    for option in ("smollm2_135m_instruct", "gemma3_270m", "hf"):
        target = compose_config(
            [f"model={option}", "model.name=x"] if option == "hf" else [f"model={option}"]
        ).model._target_
        module, name = target.rsplit(".", 1)
        assert callable(getattr(__import__(module, fromlist=[name]), name))


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "steering.strenght=0.1",
            "unknown config key 'steering.strenght'; valid keys under steering",
        ),
        ("model=gpt5", "unknown model 'gpt5'; choose one of: gemma3_270m, hf"),
        ("generation.max_new_tokens=many", "invalid value for 'generation.max_new_tokens'"),
        ("bogus=1", "unknown config key 'bogus'"),
    ],
)
def test_bad_overrides_fail_with_one_line(override: str, message: str) -> None:
    with pytest.raises(SteerError) as caught:
        check_overrides([override])
    assert message in caught.value.one_line()
    assert "\n" not in caught.value.one_line()


def test_every_sweep_value_is_checked() -> None:
    check_overrides(["steering.unit=norm,raw"])
    with pytest.raises(SteerError, match="unknown model 'nope'"):
        check_overrides(["model=tiny_random,nope"])


@pytest.mark.parametrize(
    ("launcher", "target"),
    [
        ("joblib", "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher"),
        ("slurm", "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher"),
        ("submitit_local", "hydra_plugins.hydra_submitit_launcher.submitit_launcher.LocalLauncher"),
        ("ray", "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher"),
    ],
)
def test_the_parallel_and_cluster_launchers_compose(launcher: str, target: str) -> None:
    """The SLURM preset cannot run here (no cluster); it must at least compose with its values."""
    from hydra import compose, initialize_config_dir

    from steer.cli.schema import register_schemas

    register_schemas()
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose("config", overrides=[f"hydra/launcher={launcher}"], return_hydra_config=True)
    assert cfg.hydra.launcher._target_ == target
    if launcher == "slurm":
        assert cfg.hydra.launcher.gpus_per_node == 1 and cfg.hydra.launcher.timeout_min == 120
    if launcher == "ray":  # steer's preset: settable without `+`, and able to join a cluster
        assert cfg.hydra.launcher.ray.init == {
            "address": "local", "num_cpus": None, "include_dashboard": False,
            "object_store_memory": None,
        }  # fmt: skip
        assert cfg.hydra.launcher.ray.remote == {"num_cpus": 1, "num_gpus": 0}


def test_the_bank_defaults_name_the_chosen_models_bank() -> None:
    from omegaconf import OmegaConf

    from steer.cli.run_app import fix_model_choice

    cfg = compose_config(["vectors=bank", "readouts=bank"])
    assert cfg.vectors.path.endswith(
        "/banks/smollm2_135m_instruct/bank.safetensors"
    )  # no Hydra job
    fix_model_choice(cfg, "qwen25_coder_05b_instruct")
    for value in (cfg.vectors.path, cfg.readouts.bank):
        assert value.endswith("/banks/qwen25_coder_05b_instruct/bank.safetensors")
    saved = OmegaConf.to_yaml(cfg)
    assert "${steer_cache:}/banks/qwen25_coder_05b_instruct/bank.safetensors" in saved
    assert "model_choice" not in saved
    explicit = compose_config(["vectors=file", "vectors.path=/x/my.safetensors"])
    fix_model_choice(explicit, "qwen25_coder_05b_instruct")
    assert explicit.vectors.path == "/x/my.safetensors"


def test_a_missing_optional_launcher_is_named_with_the_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib.util

    from steer.cli.config_errors import check_launcher

    check_launcher(["hydra/launcher=ray"])  # installed here: nothing to say
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(SteerError, match="hydra-ray-launcher, which is not installed") as error:
        check_launcher(["debug=tiny", "hydra/launcher=ray"])
    assert "pip install 'steer[ray]'" in error.value.one_line()


def test_the_generation_and_sandbox_schemas_are_made_from_their_runtime_settings() -> None:
    from dataclasses import fields

    from omegaconf import OmegaConf

    from steer.cli.schema import RunSchema
    from steer.generation_settings import GenerationSettings
    from steer.sandbox.limits import SandboxLimits

    run = OmegaConf.structured(RunSchema)
    for runtime, node in ((GenerationSettings, run.generation), (SandboxLimits, run.sandbox)):
        defaults = {f.name: f.default for f in fields(runtime)}
        assert {k: v for k, v in node.items() if k in defaults} == defaults
    assert list(run.generation) == [f.name for f in fields(GenerationSettings)]
    assert list(run.sandbox)[:3] == ["_target_", "isolation", "workers"]


def test_a_mistyped_generation_or_sandbox_key_is_still_refused_with_the_valid_keys() -> None:
    with pytest.raises(SteerError, match="valid keys under generation: max_new_tokens"):
        compose_config(["generation.max_new_token=3"])
    with pytest.raises(SteerError, match=r"valid keys under sandbox: .*wall_s"):
        compose_config(["sandbox.wall=3"])


def test_a_group_choice_of_your_own_is_found_through_hydra_searchpath(tmp_path: Path) -> None:
    (tmp_path / "task").mkdir()
    (tmp_path / "task" / "mine.yaml").write_text(
        "defaults:\n  - base_prompts\n  - _self_\nprompts: [Say one word.]\n"
    )
    searchpath = f"hydra.searchpath=[file://{tmp_path}]"
    check_overrides(["task=mine", searchpath])
    with pytest.raises(SteerError, match=r"unknown config key 'task\.promptz'; valid keys under"):
        check_overrides(["task=mine", searchpath, "task.promptz=[x]"])
    with pytest.raises(SteerError) as caught:
        check_overrides(["task=mine"])
    assert "with hydra.searchpath=[file://DIR]" in caught.value.one_line()
