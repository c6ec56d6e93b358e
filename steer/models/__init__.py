"""Loading models: every loader returns a :class:`LoadedModel`."""

from steer.models.loaded import LoadedModel

__all__ = ["LoadedModel"]
