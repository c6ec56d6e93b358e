"""Fixtures of the sandbox tests."""

from __future__ import annotations

import pytest

from tests.sandbox.sandbox_helpers import new_marker


@pytest.fixture()
def marker() -> str:
    return new_marker()
