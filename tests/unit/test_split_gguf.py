"""Split GGUF files: found without importing their packages, checked before use."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from steer.errors import SteerError
from steer.models.loaders import (
    GEMMA3_GGUF,
    QWEN25_CODER_05B_GGUF,
    QWEN25_CODER_15B_GGUF,
    load_gemma3_270m,
    load_qwen25_coder_05b_instruct,
    load_qwen25_coder_15b_instruct,
)
from steer.models.split_gguf import SplitGguf, assembled_gguf

CONTENT = [b"GGUF" + b"a" * 1000, b"b" * 2048, b"c" * 7]


@pytest.fixture()
def parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SplitGguf:
    site = tmp_path / "site"
    for n, content in enumerate(CONTENT, start=1):
        data = site / f"fake_model_part{n}" / "data"
        data.mkdir(parents=True)
        # A package whose code would fail if anything imported it.
        (data.parent / "__init__.py").write_text("raise RuntimeError('imported')\n")
        (data / f"part{n:02d}.bin").write_bytes(content)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("STEER_CACHE", str(tmp_path / "cache"))
    whole = b"".join(CONTENT)
    return SplitGguf(
        file_name="fake.gguf",
        parts=tuple((f"fake_model_part{n}", f"data/part{n:02d}.bin") for n in (1, 2, 3)),
        size=len(whole),
        sha256=hashlib.sha256(whole).hexdigest(),
    )


def test_the_parts_are_assembled_in_order_once(parts: SplitGguf) -> None:
    path = assembled_gguf(parts)
    assert path.read_bytes() == b"".join(CONTENT)
    assert assembled_gguf(parts) == path
    assert [p.name for p in path.parent.iterdir()] == ["fake.gguf"]


def test_a_wrong_checksum_is_refused_and_leaves_nothing(parts: SplitGguf) -> None:
    tampered = SplitGguf(parts.file_name, parts.parts, parts.size, "0" * 64)
    with pytest.raises(SteerError, match="not the expected") as error:
        assembled_gguf(tampered)
    assert "--force-reinstall fake_model_part1 fake_model_part2 fake_model_part3" in str(
        error.value
    )
    assert list((Path(os.environ["STEER_CACHE"]) / "gguf").iterdir()) == []


def test_missing_packages_are_all_named(parts: SplitGguf) -> None:
    missing = SplitGguf(
        "fake.gguf", (*parts.parts, ("not_installed_part4", "data/part04.bin")), 1, "0" * 64
    )
    with pytest.raises(SteerError, match="not installed: not_installed_part4"):
        assembled_gguf(missing)


@pytest.mark.parametrize("gguf", [GEMMA3_GGUF, QWEN25_CODER_05B_GGUF, QWEN25_CODER_15B_GGUF])
def test_the_embedded_models_name_their_parts_in_order(gguf: SplitGguf) -> None:
    numbers = [int("".join(ch for ch in name[-8:] if ch.isdigit())) for _, name in gguf.parts]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    assert len(gguf.sha256) == 64 and gguf.size > 100_000_000


@pytest.mark.parametrize(
    "loader", [load_gemma3_270m, load_qwen25_coder_05b_instruct, load_qwen25_coder_15b_instruct]
)
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"dtype": "float64"}, "unknown model.dtype 'float64'"),
        ({"device": "gpu"}, "unknown model.device 'gpu'"),
    ],
)
def test_packaged_loaders_refuse_bad_options_before_reading_any_file(
    loader: Callable[..., object],
    options: dict[str, str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STEER_CACHE", str(tmp_path / "cache"))
    with pytest.raises(SteerError, match=message):
        loader(**options)
    assert not (tmp_path / "cache").exists()
