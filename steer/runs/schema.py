"""Dataclass schemas for the Hydra configs, so a mistyped key fails at once.

The YAML files under ``conf/`` extend these (``defaults: [base_..., _self_]``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING


@dataclass
class GgufModelSchema:
    _target_: str = MISSING
    device: str = "cpu"
    dtype: str = "float32"


@dataclass
class HfModelSchema:
    _target_: str = "steer.models.loaders.load_hf"
    name: str = MISSING
    device: str = "cpu"
    dtype: str = "float32"


@dataclass
class TinyModelSchema:
    _target_: str = "steer.models.loaders.load_tiny_random"
    n_layers: int = 4
    d_model: int = 64
    n_heads: int = 4
    n_kv_heads: int = 2
    d_mlp: int = 128
    seed: int = 0
    device: str = "cpu"
    dtype: str = "float32"


@dataclass
class ContrastVectorsSchema:
    _target_: str = "steer.vectors.contrast.build_contrast"
    _partial_: bool = True
    name: str = MISSING
    positive: list[str] = field(default_factory=list)
    negative: list[str] = field(default_factory=list)
    site: str = "resid_post"
    start_token: int = 1
    batch_size: int = 8
    reference_limit: int | None = 48


@dataclass
class FileVectorsSchema:
    _target_: str = "steer.vectors.vector_set.load_checked"
    _partial_: bool = True
    path: str = MISSING


@dataclass
class PromptsTaskSchema:
    _target_: str = "steer.tasks.prompts.PromptsTask"
    prompts: list[str] = field(default_factory=list)
    path: str | None = None


@dataclass
class SteeringSchema:
    # A name, or a list of names with optional signs: [desperate,-calm]. None: the only vector.
    vector: Any = None
    # Block indices; None: the vector set's default layer (about 2/3 of the depth).
    layers: list[int] | None = None
    # Strength 0 (the paired baseline) is always run, even when not listed.
    strengths: list[float] = field(default_factory=lambda: [-0.1, 0.0, 0.1])
    positions: str = "all"  # all | prompt | generated
    unit: str = "norm"  # norm (fraction of the layer's mean residual norm) | raw
    engine: str = "hf"  # hf (plain torch hooks, fast) | bridge (TransformerLens hook points)


@dataclass
class GenerationSchema:
    max_new_tokens: int = 64
    do_sample: bool = False
    temperature: float = 1.0
    top_p: float = 1.0
    batch_size: int = 8


@dataclass
class RunSchema:
    model: Any = MISSING
    vectors: Any = MISSING
    task: Any = MISSING
    steering: SteeringSchema = field(default_factory=SteeringSchema)
    generation: GenerationSchema = field(default_factory=GenerationSchema)
    seed: int = 0


SCHEMAS: dict[tuple[str | None, str], Any] = {
    (None, "run_schema"): RunSchema,
    ("model", "base_gguf"): GgufModelSchema,
    ("model", "base_hf"): HfModelSchema,
    ("model", "base_tiny"): TinyModelSchema,
    ("vectors", "base_contrast"): ContrastVectorsSchema,
    ("vectors", "base_file"): FileVectorsSchema,
    ("task", "base_prompts"): PromptsTaskSchema,
    ("steering", "base_steering"): SteeringSchema,
    ("generation", "base_generation"): GenerationSchema,
}


def register_schemas() -> None:
    store = ConfigStore.instance()
    for (group, name), node in SCHEMAS.items():
        store.store(group=group, name=name, node=node)
