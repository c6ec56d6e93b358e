"""Top-k accuracy of per-class scores, shared by the probes and the baselines."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["top_k_accuracy"]


def top_k_accuracy(scores: np.ndarray, truth: Sequence[int], k: int) -> float:
    """Share of rows of ``scores`` [n, n_classes] whose true class is among the ``k`` highest.

    Ties are broken by class order (a stable sort), so equal scores never count in a row's
    favour by chance.
    """
    if len(truth) == 0:
        return float("nan")
    order = np.argsort(-np.asarray(scores, dtype=np.float64), axis=1, kind="stable")[:, :k]
    hits = (order == np.asarray(truth)[:, None]).any(axis=1)
    return float(hits.mean())
