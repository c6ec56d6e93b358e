"""How replies are decoded (``generation.*``): the settings, checked once when made.

A light module (no torch), so the config schema of ``generation`` is made from this class
(``steer.cli.schema``) and the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from steer.errors import SteerError

__all__ = ["MAX_TEMPERATURE", "GenerationSettings"]

# Past this, sampling is uniform noise over the vocabulary (and infinity divides logits to NaN).
MAX_TEMPERATURE = 100.0


@dataclass(frozen=True)
class GenerationSettings:
    max_new_tokens: int = 64
    do_sample: bool = False
    temperature: float = 1.0
    top_p: float = 1.0
    batch_size: int = 8

    def __post_init__(self) -> None:
        checks = [
            (self.max_new_tokens >= 1, "generation.max_new_tokens must be at least 1"),
            (self.batch_size >= 1, "generation.batch_size must be at least 1"),
            (
                not self.do_sample or 0 < self.temperature <= MAX_TEMPERATURE,
                f"generation.temperature must be > 0 and at most {MAX_TEMPERATURE:g}",
            ),
            (0 < self.top_p <= 1, "generation.top_p must be in (0, 1]"),
        ]
        for ok, problem in checks:
            if not ok:
                raise SteerError(problem, "fix the value (see `steer run --cfg job`)")
