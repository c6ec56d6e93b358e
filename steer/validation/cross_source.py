"""The cross-source test: a bank's readouts on texts written apart from its training stories.

Each evaluation text (``steer/data/cross_source``) is read with the bank's own readout (the
one `steer read` uses) and the emotions it shares with the benchmark are ranked: top-1 and
top-3 accuracy per split (``dev`` may have been used to choose settings, ``test`` is held
out) and per style, against chance. Two bag-of-words classifiers trained on the same training
stories are scored on the same texts. Dose templates check that the named emotion's readout
rises with the intensity (Spearman's rho per template).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import stats

from steer.validation.bag_of_words import BASELINES, fit_baseline
from steer.validation.cross_source_texts import (
    CROSS_SOURCE,
    SPLITS,
    STYLES,
    DoseTemplate,
    EvalText,
    dose_templates,
    eval_texts,
)
from steer.validation.ranking import top_k_accuracy

__all__ = ["MIN_EMOTIONS", "Reader", "cross_source_line", "cross_source_report"]

# texts -> scores [n_texts, n_names] in the order of the bank's names
Reader = Callable[[Sequence[str]], np.ndarray]
MIN_EMOTIONS = 3


def _accuracy(scores: np.ndarray, truth: Sequence[int]) -> dict[str, Any]:
    return {
        "top1": round(top_k_accuracy(scores, truth, 1), 4),
        "top3": round(top_k_accuracy(scores, truth, 3), 4),
        "n": len(truth),
    }


def _by_split(
    scores: np.ndarray, texts: Sequence[EvalText], emotions: Sequence[str]
) -> dict[str, Any]:
    truth = [emotions.index(t.emotion) for t in texts]
    result: dict[str, Any] = {}
    for split in SPLITS:
        rows = [i for i, t in enumerate(texts) if t.split == split]
        result[split] = _accuracy(scores[rows], [truth[i] for i in rows])
    result["all"] = _accuracy(scores, truth)
    return result


def _by_style(
    scores: np.ndarray, texts: Sequence[EvalText], emotions: Sequence[str], split: str
) -> dict[str, Any]:
    result = {}
    for style in STYLES:
        rows = [i for i, t in enumerate(texts) if t.style == style and t.split == split]
        result[style] = _accuracy(scores[rows], [emotions.index(texts[i].emotion) for i in rows])
    return result


def _dose(read: Reader, names: Sequence[str], templates: Sequence[DoseTemplate]) -> dict[str, Any]:
    usable = [t for t in templates if t.emotion in names]
    rhos: dict[str, Any] = {}
    for template in usable:
        readout = read(template.texts())[:, names.index(template.emotion)]
        flat = bool(np.ptp(readout) == 0)  # Spearman's rho is undefined
        rho = None if flat else stats.spearmanr(np.arange(len(readout)), readout).statistic
        rhos[template.id] = {
            "emotion": template.emotion,
            "rho": None if rho is None or np.isnan(rho) else round(float(rho), 4),
            "readouts": [round(float(v), 4) for v in readout],
        }
    values = [r["rho"] for r in rhos.values() if r["rho"] is not None]
    return {
        "method": "Spearman's rho between the intensity rank (0 = mildest) and the named "
        "emotion's readout",
        "templates": rhos,
        "mean_rho": round(float(np.mean(values)), 4) if values else None,
        "n_rising": sum(v > 0 for v in values),
        "n_templates": len(rhos),
    }


def cross_source_report(
    read: Reader,
    names: Sequence[str],
    training_texts: Sequence[str],
    training_labels: Sequence[str],
    readout: dict[str, Any],
) -> dict[str, Any]:
    """The ``cross_source`` entry of validation.json.

    ``read`` gives the bank's readouts (in the order of ``names``); ``training_texts`` and
    ``training_labels`` are the stimuli the bank was built from (the baselines train on them).
    """
    emotions = sorted({t.emotion for t in eval_texts()} & set(names))
    if len(emotions) < MIN_EMOTIONS:
        return {
            "n_emotions": len(emotions),
            "note": f"skipped: the bank shares {len(emotions)} emotions with the benchmark "
            f"(at least {MIN_EMOTIONS} needed)",
        }
    texts = [t for t in eval_texts() if t.emotion in emotions]
    columns = [names.index(e) for e in emotions]
    scores = read([t.text for t in texts])[:, columns]
    top = Counter(emotions[i] for i in scores.argmax(axis=1))
    train = [(text, emotions.index(label)) for text, label in zip(
        training_texts, training_labels, strict=True) if label in emotions]  # fmt: skip
    baselines = {}
    for name in BASELINES:
        model = fit_baseline(name, [t for t, _ in train], [c for _, c in train], len(emotions))
        baselines[name] = _by_split(model.scores([t.text for t in texts]), texts, emotions)
    return {
        "source": f"{CROSS_SOURCE.name}/texts.jsonl (written for evaluation only; see its README)",
        "emotions": emotions,
        "n_emotions": len(emotions),
        "chance_top1": round(1 / len(emotions), 4),
        "chance_top3": round(min(1.0, 3 / len(emotions)), 4),
        "readout": readout,
        "method": "rank the benchmark emotions by the bank's readout of each text (the readout "
        "`steer read` shows); top-k = the true emotion among the k highest",
        "accuracy": _by_split(scores, texts, emotions),
        "by_style_test": _by_style(scores, texts, emotions, "test"),
        "most_often_first": dict(top.most_common()),
        "bag_of_words": {
            "trained_on": f"the bank's {len(train)} training stimuli of these emotions",
            **baselines,
        },
        "dose": _dose(read, names, dose_templates()),
    }


def cross_source_line(report: dict[str, Any]) -> str:
    """One line for the terminal: the held-out split against chance and the best baseline."""
    if "accuracy" not in report:
        return f"cross-source test: {report['note']}"
    test = report["accuracy"]["test"]
    best = max(BASELINES, key=lambda b: report["bag_of_words"][b]["test"]["top1"])
    baseline = report["bag_of_words"][best]["test"]
    dose = report["dose"]
    return (
        f"cross-source test (readout at layer {report['readout']['layer']}, "
        f"{report['n_emotions']} emotions, {test['n']} held-out texts): "
        f"top-1 {test['top1']:.2f}, top-3 {test['top3']:.2f} (chance {report['chance_top1']:.2f}"
        f" / {report['chance_top3']:.2f}); bag of words ({best}) {baseline['top1']:.2f} / "
        f"{baseline['top3']:.2f}; dose: {dose['n_rising']} of {dose['n_templates']} templates "
        f"rise (mean rho {dose['mean_rho']})"
    )
