"""`validation.json` and its PNGs for an extracted bank."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from steer.errors import SteerError
from steer.extraction.pipeline import Extraction
from steer.json_files import write_json
from steer.models.loaded import LoadedModel
from steer.readouts import READOUT_POOLING, mean_readouts
from steer.validation import plots
from steer.validation.bag_of_words import BASELINES
from steer.validation.clusters import cluster_summary
from steer.validation.cross_source import cross_source_report
from steer.validation.geometry import (
    best_layer,
    cluster_order,
    correlation,
    cosine_matrix,
    geometry_by_layer,
    pca,
)
from steer.validation.logit_lens import top_tokens
from steer.validation.probe import held_out_probe, split_topics
from steer.validation.ratings import (
    AROUSAL_SOURCE,
    VALENCE_SOURCE,
    arousal_ratings,
    valence_ratings,
)

PAPER = {"pc1_valence_r": 0.81, "pc2_arousal_r": 0.66}


@dataclass(frozen=True)
class ValidationSettings:
    test_fraction: float = 0.3
    seed: int = 0
    top_k_tokens: int = 10
    # k-means clusters at the default layer; None: n_emotions // 4, between 2 and 10.
    clusters: int | None = None

    def __post_init__(self) -> None:
        if not 0 < self.test_fraction < 1:  # False for NaN too
            raise SteerError(
                f"the test fraction is {self.test_fraction!r}; it must be between 0 and 1",
                "pass e.g. --test-fraction 0.3 (validation.test_fraction=0.3)",
            )


def readout_choice(
    per_layer: Sequence[dict[str, Any]], default: int, window_start: int | None
) -> dict[str, Any]:
    """The layer `steer read` uses: the one where the held-out probe is best (in-corpus data
    only; the cross-source texts are never used to choose it), else the bank's default."""
    best = best_layer([row["top1"] for row in per_layer])
    return {
        "layer": default if best is None else best,
        "chosen_by": "the layer of the best held-out probe top-1",
        "pooling": READOUT_POOLING,
        "reference": "the bank's reference_mean",
        "window_start": window_start,
    }


def bank_readout(report: dict[str, Any]) -> dict[str, Any]:
    """What a bank records about its readout: the layer, pooling and cross-source score."""
    cross = report["cross_source"]
    note: dict[str, Any] = dict(report["cross_source"]["readout"])
    if "accuracy" in cross:
        best = max(BASELINES, key=lambda b: cross["bag_of_words"][b]["test"]["top1"])
        note["cross_source"] = {
            **cross["accuracy"]["test"],
            "n_emotions": cross["n_emotions"],
            "chance_top1": cross["chance_top1"],
            "chance_top3": cross["chance_top3"],
            "bag_of_words": {"name": best, **cross["bag_of_words"][best]["test"]},
        }
    return note


def validate(
    model: LoadedModel, extraction: Extraction, out_dir: Path, settings: ValidationSettings
) -> dict[str, Any]:
    bank = extraction.bank
    names, layer = bank.names, bank.default_layer
    at_layer = bank.vectors[:, layer]
    valence, arousal = valence_ratings(names), arousal_ratings(names)
    components = pca(at_layer)
    by_layer = geometry_by_layer(bank.vectors, names, valence, arousal)
    clusters, clustering = cluster_summary(
        at_layer.double().numpy(), names, valence, arousal, settings.clusters, settings.seed
    )
    split = split_topics(
        [s.topic for s in extraction.stories], settings.test_fraction, settings.seed
    )
    probe = held_out_probe(
        extraction.story_means,
        [s.emotion for s in extraction.stories],
        [s.topic for s in extraction.stories],
        names,
        extraction.neutral,
        split,
        extraction.text_weights,
        extraction.within_components,
    )
    per_layer = probe.by_layer()
    readout = readout_choice(per_layer, layer, bank.provenance.get("start_token"))
    similarity = cosine_matrix(at_layer)
    order = cluster_order(similarity)
    report: dict[str, Any] = {
        "model_id": bank.provenance.get("model_id"),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "n_emotions": len(names),
        "layer": layer,
        "pca": {
            "variance_explained": [round(float(x), 4) for x in components.explained],
            "pc1_valence": {
                **correlation(components.scores[:, 0], names, valence),
                "source": VALENCE_SOURCE,
            },
            "pc2_arousal": {
                **correlation(components.scores[:, 1], names, arousal),
                "source": AROUSAL_SOURCE,
            },
            "pc1_arousal": correlation(components.scores[:, 0], names, arousal)["r"],
            "pc2_valence": correlation(components.scores[:, 1], names, valence)["r"],
            "pc1_valence_r_by_layer": by_layer["pc1_valence"],
            "paper": PAPER,
        },
        "geometry_by_layer": by_layer,
        "best_layer": {
            "pc1_valence": best_layer(by_layer["pc1_valence"]),
            "probe_top1": best_layer([row["top1"] for row in per_layer]),
        },
        "clusters": clusters,
        "probe": {
            "method": "nearest vector by cosine; vectors built on train topics only",
            "train_topics": list(split.train),
            "test_topics": list(split.test),
            "n_test_stories": sum(s.topic in split.test for s in extraction.stories),
            "chance_top1": round(1 / len(names), 4),
            "chance_top3": round(min(1.0, 3 / len(names)), 4),
            "at_default_layer": per_layer[layer],
            "by_layer": per_layer,
            "by_source_at_readout_layer": probe.by_source(
                [s.source for s in extraction.stories], readout["layer"]
            ),
        },
        "logit_lens": dict(
            zip(names, top_tokens(model, at_layer, settings.top_k_tokens), strict=True)
        ),
        "similarity": {"cluster_order": [names[i] for i in order]},
        "cross_source": cross_source_report(
            lambda texts: mean_readouts(model, bank, texts, readout["layer"]).double().numpy(),
            names,
            [s.text for s in extraction.stories],
            [s.emotion for s in extraction.stories],
            readout,
        ),
        "figures": ["pca.png", "similarity.png", "probe_accuracy.png", "geometry_by_layer.png"],
    }
    label = f"{bank.provenance.get('model_id')}, layer {layer}"
    plots.pca_map(
        components.scores,
        names,
        [float(x) for x in components.explained],
        valence,
        f"Emotion vectors: PCA ({label})",
        out_dir / "pca.png",
    )
    plots.similarity_heatmap(
        similarity,
        names,
        order,
        f"Cosine similarity, clustered ({label})",
        out_dir / "similarity.png",
    )
    plots.probe_by_layer(
        per_layer,
        len(names),
        layer,
        f"Held-out probe accuracy ({bank.provenance.get('model_id')})",
        out_dir / "probe_accuracy.png",
    )
    plots.geometry_layers(
        by_layer,
        per_layer,
        PAPER,
        layer,
        f"Emotion geometry and probe accuracy by layer ({bank.provenance.get('model_id')})",
        out_dir / "geometry_by_layer.png",
    )
    if clustering is not None:
        plots.cluster_map(
            components.scores,
            names,
            [float(x) for x in components.explained],
            clustering.members(),
            f"Emotion vectors: k-means clusters (k = {clustering.k}) on the PCA map ({label})",
            out_dir / "clusters.png",
        )
        report["figures"].append("clusters.png")
    write_json(out_dir / "validation.json", report)
    return report
