"""steer: activation-steering experiments with emotion vectors in causal language models."""

__version__ = "0.1.0"

__all__ = ["__version__"]
