"""Adding scaled vectors to the residual stream while the model runs."""

from steer.choices import Engine
from steer.steering.intervention import LayerDirection, steering
from steer.steering.positions import PositionTracker

__all__ = ["Engine", "LayerDirection", "PositionTracker", "steering"]
