"""`steer reproduce` reads a saved config that names the cache through ${steer_cache:}."""

from __future__ import annotations

from pathlib import Path

from omegaconf import OmegaConf

from steer.cli.reproduce import saved_config
from steer.models.cache import cache_root


def test_a_saved_bank_config_resolves_in_a_fresh_process(tmp_path: Path) -> None:
    """`vectors=bank` saves ``${steer_cache:}/banks/<model>/bank.safetensors``; reproduce runs
    in a process where no Hydra app registered the resolver (it raised before)."""
    saved = tmp_path / ".hydra" / "config.yaml"
    saved.parent.mkdir()
    saved.write_text(
        "vectors:\n  kind: bank\n"
        "  path: ${steer_cache:}/banks/qwen25_coder_05b_instruct/bank.safetensors\n"
    )
    for name in ("steer_cache", "model_choice"):
        if OmegaConf.has_resolver(name):
            OmegaConf.clear_resolver(name)  # as in a fresh `steer reproduce` process
    cfg = saved_config(tmp_path)
    assert OmegaConf.select(cfg, "vectors.path") == str(
        cache_root() / "banks" / "qwen25_coder_05b_instruct" / "bank.safetensors"
    )
