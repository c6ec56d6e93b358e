from __future__ import annotations

import pytest
import torch

from steer.models.loaded import LoadedModel
from steer.models.loaders import load_tiny_random
from tests.helpers import TEST_DEVICE


@pytest.fixture(scope="session")
def tiny() -> LoadedModel:
    return load_tiny_random(n_layers=4, d_model=64, seed=0, device=TEST_DEVICE)


@pytest.fixture()
def direction(tiny: LoadedModel) -> torch.Tensor:
    generator = torch.Generator().manual_seed(1)
    return torch.randn(tiny.d_model, generator=generator)
