"""Projecting out the top principal components of neutral text (the paper's denoising)."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class NeutralSubspace:
    """Per layer: the orthonormal top principal components ``[d, k_layer]`` of neutral text
    activations that together explain at least ``fraction`` of their variance."""

    components: tuple[torch.Tensor, ...]
    explained: tuple[float, ...]
    fraction: float

    @property
    def removed(self) -> list[int]:
        return [int(c.shape[1]) for c in self.components]

    def project_out(self, vectors: torch.Tensor) -> torch.Tensor:
        """Remove the subspace from ``vectors`` [..., n_layers, d] at each layer."""
        result = vectors.clone()
        for layer, basis in enumerate(self.components):
            if basis.shape[1] == 0:
                continue
            basis = basis.to(vectors.dtype)
            at_layer = result[..., layer, :]
            result[..., layer, :] = at_layer - (at_layer @ basis) @ basis.T
        return result


def top_components(covariances: torch.Tensor, fraction: float) -> NeutralSubspace:
    """``covariances`` [n_layers, d, d]; keep the fewest leading components reaching
    ``fraction`` of the variance (0 keeps none)."""
    if not 0.0 <= fraction < 1.0:
        raise ValueError("the variance fraction must be in [0, 1)")
    components, explained = [], []
    for cov in covariances:
        values, vectors = torch.linalg.eigh(cov.double())
        values, vectors = values.flip(0).clamp(min=0), vectors.flip(1)
        share = values.cumsum(0) / values.sum()
        k = 0 if fraction == 0 else int((share < fraction).sum().item()) + 1
        components.append(vectors[:, :k].float())
        explained.append(float(share[k - 1]) if k else 0.0)
    return NeutralSubspace(tuple(components), tuple(explained), fraction)
