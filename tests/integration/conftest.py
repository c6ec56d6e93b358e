from __future__ import annotations

import pytest

from steer.models.loaded import LoadedModel
from steer.models.loaders import load_gemma3_270m, load_smollm2


@pytest.fixture(scope="session")
def smollm2() -> LoadedModel:
    return load_smollm2()


@pytest.fixture(scope="session")
def gemma3() -> LoadedModel:
    return load_gemma3_270m()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.integration)
