"""``steering.strengths=calibrated``: a run's strengths from a ``steer calibrate`` result.

``steering.calibration.path`` names ``calibration.json`` (or the directory holding it); the
entry for the run's vector and layers gives the calibrated bound in each direction, and the
strengths are ``fraction x bound`` for each of ``steering.calibration.fractions`` in each of
``steering.calibration.directions`` (a direction with no usable strength is left out, and
said so). The numbers replace ``calibrated`` in the run's config before it is saved, with the
file's SHA-256 beside them, so the saved config reproduces the run exactly even if the
calibration is redone. The calibration must have been measured on the same weights, vectors
and unit as the run (checked once they are loaded).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from steer.calibration.document import CALIBRATION, FORMAT
from steer.errors import SteerError
from steer.steering.probe import parse_terms, terms_label

log = logging.getLogger(__name__)

CALIBRATED = "calibrated"


@dataclass(frozen=True)
class Calibrated:
    """Strengths taken from a calibration, and what it was measured on."""

    strengths: list[float]
    layers: list[int]
    path: Path
    sha256: str
    document: dict[str, Any]

    def check_matches(self, weights_hash: str, vectors_digest: str, unit: str) -> None:
        """Refuse a calibration measured on other weights, vectors or units than the run."""
        recorded = self.document
        differ = [
            what
            for what, mine, theirs in (
                ("model weights", weights_hash, recorded.get("weights_hash")),
                ("vectors", vectors_digest, recorded.get("vectors_digest")),
                ("steering.unit", unit, recorded.get("unit")),
            )
            if mine != theirs
        ]
        if differ:
            raise SteerError(
                f"{self.path} was calibrated on other {', '.join(differ)} than this run",
                "calibrate this model and vector set (`steer calibrate`), or give strengths",
            )


def calibration_file(value: str) -> Path:
    path = Path(value).expanduser()
    if path.is_dir():
        path = path / CALIBRATION
    if not path.is_file():
        raise SteerError(
            f"no calibration at {path}",
            "set steering.calibration.path to a calibration.json `steer calibrate` wrote",
        )
    return path


def _load(path: Path) -> tuple[dict[str, Any], str]:
    data = path.read_bytes()
    try:
        document = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise SteerError(f"{path} is not valid JSON ({error})", "calibrate again") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SteerError(f"{path} is not a steer calibration", "give a calibration.json")
    return document, hashlib.sha256(data).hexdigest()


def _entry(
    document: dict[str, Any], label: str | None, layers: list[int] | None, path: Path
) -> Any:
    entries = document.get("entries") or []
    found = [
        e
        for e in entries
        if (label is None or e["vector"] == label) and (layers is None or e["layers"] == layers)
    ]
    if len(found) != 1:
        have = "; ".join(f"{e['vector']} at layers {e['layers']}" for e in entries) or "nothing"
        wanted = f"{label or 'any vector'} at layers {layers if layers is not None else 'any'}"
        problem = "no entry" if not found else "several entries"
        raise SteerError(
            f"{path} has {problem} for {wanted} (it holds: {have})",
            "set steering.vector and steering.layers to a calibrated pair",
        )
    return found[0]


def _strengths(
    entry: Any, fractions: list[float], directions: list[str], path: Path
) -> list[float]:
    bad = [f for f in fractions if not (math.isfinite(f) and 0 < f <= 1)]
    if bad or not fractions:
        raise SteerError(
            f"steering.calibration.fractions must be in (0, 1], not {bad or fractions}",
            "give fractions of the calibrated bound, e.g. [0.5,1.0]",
        )
    strengths = []
    for direction in directions:
        bound = entry["bound"].get(direction)
        if bound is None:
            log.warning("%s: no %s strength of %s is within the damage bounds; left out",
                        path, direction, entry["vector"])  # fmt: skip
            continue
        strengths += [round(fraction * float(bound), 6) for fraction in fractions]
    if not strengths:
        raise SteerError(
            f"{path}: no calibrated strength of {entry['vector']} is within the damage bounds "
            f"in the direction(s) {', '.join(directions)}",
            "choose another vector or layer, or widen calibrate.bounds and calibrate again",
        )
    return sorted(set(strengths))


def resolve_strengths(cfg: DictConfig) -> Calibrated | None:
    """Replace ``steering.strengths=calibrated`` in ``cfg`` by numbers (and fill in the vector
    and layers it was calibrated with, when unset); None when strengths are numbers already."""
    value = cfg.steering.strengths
    if not isinstance(value, str):
        return None
    if value != CALIBRATED:
        raise SteerError(
            f"steering.strengths={value!r} is neither a list of numbers nor 'calibrated'",
            "write steering.strengths=[-0.1,0.1] or steering.strengths=calibrated",
        )
    node = cfg.steering.calibration
    if not node.path:
        raise SteerError(
            "steering.strengths=calibrated needs steering.calibration.path",
            "point it at a calibration.json from `steer calibrate`",
        )
    path = calibration_file(str(node.path))
    document, sha256 = _load(path)
    vector = OmegaConf.to_object(cfg.steering.vector) if cfg.steering.vector is not None else None
    label = None if vector is None else terms_label(parse_terms(vector))  # type: ignore[arg-type]
    layers = None if cfg.steering.layers is None else [int(x) for x in cfg.steering.layers]
    entry = _entry(document, label, layers, path)
    fractions = [float(f) for f in node.fractions]
    strengths = _strengths(entry, fractions, [str(d) for d in node.directions], path)
    OmegaConf.update(cfg, "steering.strengths", strengths)
    if vector is None:
        OmegaConf.update(cfg, "steering.vector", str(entry["vector"]).split(","))
    OmegaConf.update(cfg, "steering.layers", list(entry["layers"]))
    OmegaConf.update(cfg, "steering.calibration.path", str(path.resolve()))
    OmegaConf.update(cfg, "steering.calibration.sha256", sha256)
    log.info("calibrated strengths for %s at layers %s: %s (from %s)",
             entry["vector"], entry["layers"], strengths, path)  # fmt: skip
    return Calibrated(strengths, list(entry["layers"]), path, sha256, document)
