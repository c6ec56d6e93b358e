"""Adding scaled vectors to the residual stream while the model runs."""

from steer.steering.intervention import Engine, LayerDirection, steering
from steer.steering.positions import PositionTracker

__all__ = ["Engine", "LayerDirection", "PositionTracker", "steering"]
