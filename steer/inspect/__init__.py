"""``steer inspect``: attention heatmaps, per-layer residual norms and emotion readouts of each
prompt, baseline against steered, and anomaly flags over the prompt set (docs/inspect.md)."""

from steer.inspect.anomaly import Flag, Outlier, SeriesKey, flag_series, z_outliers
from steer.inspect.capture import Captured, Steered, capture_forward
from steer.inspect.inspection import Inspection, Transcript, inspect_transcript
from steer.inspect.settings import InspectSettings, inspect_settings

__all__ = [
    "Captured",
    "Flag",
    "InspectSettings",
    "Inspection",
    "Outlier",
    "SeriesKey",
    "Steered",
    "Transcript",
    "capture_forward",
    "flag_series",
    "inspect_settings",
    "inspect_transcript",
    "z_outliers",
]
