"""Steering vectors: a named set of per-layer directions with provenance."""

from steer.vectors.vector_set import VectorSet

__all__ = ["VectorSet"]
