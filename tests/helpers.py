"""Small helpers shared by the tests."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

import numpy as np
import torch

from steer.activations import capturing
from steer.hooks import HookRef, Site
from steer.models.loaded import LoadedModel
from steer.vectors.norms import default_layer
from steer.vectors.vector_set import VectorSet


@contextmanager
def all_layer_outputs(model: LoadedModel) -> Iterator[dict[HookRef, torch.Tensor]]:
    with capturing(model, [HookRef(layer) for layer in range(model.n_layers)]) as captured:
        yield captured


def count_hooks(model: LoadedModel) -> int:
    """Every forward hook left on the plain model, the bridged model and the bridge."""
    modules = [*model.hf.modules(), *model.bridged_hf.modules(), *model.bridge.hook_dict.values()]
    total = 0
    for module in modules:
        total += len(module._forward_hooks) + len(module._forward_pre_hooks)
        total += len(getattr(module, "fwd_hooks", []))
    return total


def random_vector_set(model: LoadedModel, names: list[str], seed: int = 3) -> VectorSet:
    """Random vectors at every layer, layer norms 1, 2, ..., made "on" ``model``."""
    generator = torch.Generator().manual_seed(seed)
    return VectorSet(
        names=names,
        vectors=torch.randn(len(names), model.n_layers, model.d_model, generator=generator),
        layer_norms=torch.arange(1, model.n_layers + 1, dtype=torch.float32),
        site=Site.RESID_POST,
        default_layer=default_layer(model.n_layers),
        provenance={"model_id": model.model_id, "weights_hash": model.weights_hash},
        reference_mean=torch.randn(model.n_layers, model.d_model, generator=generator) * 0.1,
    )


def import_repeng() -> ModuleType:
    """repeng 0.4.0, the newest release, on NumPy 2.

    It declares numpy<2 (so it is installed with --no-deps) only because three of its type
    annotations name ``np.float_``, which NumPy 2 removed; they are evaluated once, when its
    module is imported. The alias is lent for that import and taken back after it.
    """
    lent = not hasattr(np, "float_")
    if lent:
        np.float_ = np.float64  # type: ignore[attr-defined]
    try:
        return importlib.import_module("repeng")
    finally:
        if lent:
            del np.float_  # type: ignore[attr-defined]
