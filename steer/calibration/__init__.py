"""`steer calibrate`: the usable strengths of a vector, per layer and model.

``sweep`` generates every prompt over a strength grid in one batch per prompt group and measures
the effect (the steered vector's readout in the reply) and the damage (perplexity under the
unsteered model, repetition, empty and truncated replies); ``damage`` picks the largest strength
in each direction whose damage stays within the bounds; ``document`` and ``plot`` write
``calibration.json`` and its figure; ``use`` turns ``steering.strengths=calibrated`` into numbers.
"""
