"""`steer read`: emotion readouts of texts against a vector bank."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from steer.errors import SteerError
from steer.extraction.runner import BANK, model_for_bank, published_bank
from steer.json_files import dumps
from steer.models.loaded import LoadedModel
from steer.readouts import Readout, read_texts
from steer.user_files import read_text
from steer.vectors.vector_set import VectorSet

DEFAULT_MODEL = "smollm2_135m_instruct"


def texts_from_file(path: Path) -> list[str]:
    """One text per line, or JSONL with a ``text`` field."""
    text = read_text(path, "text file", "check --file")
    lines = [line for line in text.splitlines() if line.strip()]
    if path.suffix != ".jsonl":
        return lines
    texts = []
    for number, line in enumerate(lines, start=1):
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise SteerError(
                f"{path} line {number} is not valid JSON ({error.msg})", "fix it"
            ) from None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise SteerError(
                f"{path} line {number} has no string 'text' field", 'write {"text": ...}'
            )
        texts.append(row["text"])
    return texts


def bank_file(path: Path | None) -> Path:
    """--bank as given (a bank file, or a directory holding bank.safetensors), else the
    default model's published bank."""
    if path is None:
        bank_path = published_bank(DEFAULT_MODEL)
        if not bank_path.is_file():
            raise SteerError(
                f"no bank for the default model at {bank_path}",
                "run `steer extract` first (a few minutes on CPU), or pass --bank",
            )
        return bank_path
    if path.is_dir():
        inside = path / BANK
        if not inside.is_file():
            raise SteerError(
                f"--bank {path} is a directory without {BANK}",
                "pass a bank file (BANK.safetensors) or the directory `steer extract` wrote",
            )
        return inside
    return path


def load_bank_and_model(path: Path | None) -> tuple[VectorSet, LoadedModel]:
    bank_path = bank_file(path)
    bank = VectorSet.load(bank_path, "--bank")
    return bank, model_for_bank(bank, bank_path)


def as_json(text: str, readout: Readout, k: int) -> str:
    means = readout.means()
    return dumps(
        {
            "text": text,
            "means": {name: round(value, 4) for name, value in means.items()},
            "top": readout.top(k),
            "tokens": readout.tokens,
            "per_token": {
                name: [round(float(v), 4) for v in readout.projections[:, i]]
                for i, name in enumerate(readout.names)
            },
        }
    )


def as_table(texts: Sequence[str], readouts: Sequence[Readout], k: int, layer: int) -> str:
    lines = [f"emotion readouts at layer {layer} (mean projection over the text's tokens)"]
    for text, readout in zip(texts, readouts, strict=True):
        shown = text if len(text) <= 70 else text[:67] + "..."
        means = readout.means()
        top = ", ".join(f"{name} {means[name]:+.2f}" for name in readout.top(k))
        lines.append(f"{shown!r}\n    top: {top}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="steer read", description=__doc__)
    parser.add_argument("texts", nargs="*", help="texts to read")
    parser.add_argument("--file", type=Path, help="one text per line, or JSONL with 'text'")
    parser.add_argument("--bank", type=Path, help="a bank.safetensors (default: published bank)")
    parser.add_argument("--layer", type=int, help="layer to read (default: the bank's)")
    parser.add_argument("--top", type=int, default=5, help="how many emotions to list")
    parser.add_argument("--json", action="store_true", help="one JSON object per line per text")
    args = parser.parse_args(argv)
    if args.top < 1:
        raise SteerError(f"--top {args.top} lists no emotion", "pass --top 1 or more")
    texts = list(args.texts) + (texts_from_file(args.file) if args.file else [])
    if not texts:
        raise SteerError("no text to read", "pass texts as arguments or --file FILE")
    bank, model = load_bank_and_model(args.bank)
    layer = bank.default_layer if args.layer is None else args.layer
    if not -bank.n_layers <= layer < bank.n_layers:
        raise SteerError(
            f"--layer {layer} is out of range for a bank of {bank.n_layers} layers",
            f"choose 0 to {bank.n_layers - 1} (or -1 for the last)",
        )
    layer %= bank.n_layers
    readouts = read_texts(model, bank, [model.formatter.text_ids(t) for t in texts], layer)
    if args.json:
        for text, readout in zip(texts, readouts, strict=True):
            print(as_json(text, readout, args.top))
    else:
        print(as_table(texts, readouts, args.top, layer))
    return 0
