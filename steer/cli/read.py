"""`steer read`: emotion readouts of texts against a vector bank."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from steer.errors import SteerError
from steer.jobs.extract import BANK, model_for_bank, published_bank
from steer.json_files import dumps
from steer.models.loaded import LoadedModel
from steer.readouts import READOUT_POOLING, Readout, read_texts
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


def as_json(text: str, readout: Readout, k: int, layer: int) -> str:
    means = readout.means()
    return dumps(
        {
            "text": text,
            "layer": layer,
            "pooling": READOUT_POOLING,
            "means": {name: round(value, 4) for name, value in means.items()},
            "top": readout.top(k),
            "tokens": readout.tokens,
            "per_token": {
                name: [round(float(v), 4) for v in readout.projections[:, i]]
                for i, name in enumerate(readout.names)
            },
        }
    )


def readout_layer(bank: VectorSet, asked: int | None) -> int:
    """--layer, else the layer the bank's validation chose for readouts, else its default."""
    if asked is None:
        return int(bank.provenance.get("readout", {}).get("layer", bank.default_layer))
    if not -bank.n_layers <= asked < bank.n_layers:
        raise SteerError(
            f"--layer {asked} is out of range for a bank of {bank.n_layers} layers",
            f"choose 0 to {bank.n_layers - 1} (or -1 for the last)",
        )
    return asked % bank.n_layers


def trust_lines(bank: VectorSet, layer: int) -> list[str]:
    """Which layer and pooling, and how the readout did on its bank's cross-source test."""
    readout = bank.provenance.get("readout", {})
    lines = [f"emotion readouts at layer {layer} ({READOUT_POOLING}, centred on the bank's "
             "reference mean)"]  # fmt: skip
    cross = readout.get("cross_source")
    if cross is None:
        lines.append(
            "cross-source score of this bank: unknown (re-extract it to record one; "
            "`steer validate` shows it)"
        )
        return lines
    baseline = cross["bag_of_words"]
    at = "" if layer == readout.get("layer") else f" at layer {readout.get('layer')}"
    lines.append(
        f"this bank's readout on text unlike its stories{at}: top-1 {cross['top1']:.2f}, "
        f"top-3 {cross['top3']:.2f} among {cross['n_emotions']} emotions (chance "
        f"{cross['chance_top1']:.2f} / {cross['chance_top3']:.2f}; bag of words "
        f"{baseline['top1']:.2f} / {baseline['top3']:.2f}): rank emotions with that caution"
    )
    return lines


def short_text_warnings(texts: Sequence[str], readouts: Sequence[Readout], start: int) -> list[str]:
    """A warning per text shorter than the token window the vectors were built on."""
    return [
        f"warning: text {number} has {len(readout.tokens)} tokens; the vectors were built on "
        f"story tokens from {start} on, so its readout comes from a part of a text they never "
        "saw (trust it less)"
        for number, (_, readout) in enumerate(zip(texts, readouts, strict=True), start=1)
        if len(readout.tokens) < start
    ]


def as_table(texts: Sequence[str], readouts: Sequence[Readout], k: int) -> str:
    lines = []
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
    layer = readout_layer(bank, args.layer)
    readouts = read_texts(model, bank, [model.formatter.text_ids(t) for t in texts], layer)
    for line in [*trust_lines(bank, layer), *short_text_warnings(
            texts, readouts, int(bank.provenance.get("start_token", 1)))]:  # fmt: skip
        print(line, file=sys.stderr if args.json else sys.stdout)
    if args.json:
        for text, readout in zip(texts, readouts, strict=True):
            print(as_json(text, readout, args.top, layer))
    else:
        print(as_table(texts, readouts, args.top))
    return 0
