from __future__ import annotations

from pathlib import Path

import pytest
import torch

from steer.models.loaded import LoadedModel
from steer.models.loaders import load_tiny_random
from tests.helpers import TEST_DEVICE, tiny_run

# Each tier's directory, and the marker its tests carry: `pytest -m "not integration"`.
TIERS = {"unit": "unit", "coding": "tasks", "sandbox": "tasks", "cli": "cli",
         "integration": "integration", "llama_cpp": "llama_cpp"}  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        parts = item.path.relative_to(here).parts if item.path.is_relative_to(here) else ()
        tier = TIERS.get(parts[0]) if len(parts) > 1 else None
        if tier is not None:
            item.add_marker(getattr(pytest.mark, tier))


@pytest.fixture(scope="session")
def tiny() -> LoadedModel:
    return load_tiny_random(n_layers=4, d_model=64, seed=0, device=TEST_DEVICE)


@pytest.fixture()
def direction(tiny: LoadedModel) -> torch.Tensor:
    generator = torch.Generator().manual_seed(1)
    return torch.randn(tiny.d_model, generator=generator)


@pytest.fixture(scope="session")
def finished_tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished run on the tiny model; copy it (shutil.copytree) before changing anything."""
    return tiny_run(tmp_path_factory.mktemp("finished") / "run")


@pytest.fixture()
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if `steer run` gets as far as loading its model."""
    from steer.jobs import run as job

    def refuse(*_args: object) -> None:
        raise AssertionError("the model was loaded before the input was checked")

    monkeypatch.setattr(job, "prepare", refuse)
