"""The quantities compared across prompts for anomaly flags: every (condition, span, layer)
norm and every (condition, span, layer, emotion) readout, one value per prompt."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from steer.inspect.anomaly import SeriesKey
from steer.inspect.inspection import CONDITIONS, Inspection
from steer.inspect.profiles import SPANS


def profile_series(
    inspections: Sequence[Inspection], layers: Sequence[int], emotions: Sequence[str]
) -> Iterator[tuple[SeriesKey, dict[str, float]]]:
    for condition in CONDITIONS:
        profiles = [(i.transcript.prompt_id, i.profiles[condition]) for i in inspections]
        for span in SPANS:
            for layer in layers:
                yield (
                    SeriesKey(condition, span, "norm", layer),
                    {pid: float(p.norms[span][layer]) for pid, p in profiles},
                )
                for index, emotion in enumerate(emotions):
                    yield (
                        SeriesKey(condition, span, "readout", layer, emotion),
                        {pid: float(p.readouts[span][layer, index]) for pid, p in profiles},
                    )
