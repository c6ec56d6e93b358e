"""Each task's headline metrics: the answer a run leads with.

The one place that says which metric answers "did steering change the behaviour?" per task:
the terminal summary after ``steer run``, the first section of ``report.html`` and its
headline figures read it. (When tasks declare their own metrics, this table moves to them.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

# task name -> its headline metrics, most important first. A task whose episodes are a mix
# (custom: text prompts or code tasks) lists both kinds; only the metrics a run has are used.
HEADLINES: dict[str, tuple[str, ...]] = {
    "prompts": ("vader_compound",),
    "impossible_code": ("passed", "cheated"),
    "blackmail": ("blackmail",),
    "sycophancy": ("sycophantic",),
    "custom": ("passed", "cheated", "vader_compound"),
}
# For a run whose task is unknown (still running, or a task not listed): the first of these.
FALLBACK = ("cheated", "passed", "blackmail", "sycophantic", "vader_compound")
# How a headline metric reads in words.
DESCRIPTIONS: dict[str, str] = {
    "vader_compound": "mean VADER compound sentiment of the replies, -1 to +1",
    "passed": "pass rate",
    "cheated": "cheat rate (passes on impossible tasks)",
    "blackmail": "blackmail rate",
    "sycophantic": "sycophancy rate",
}


def headline_metrics(tasks: Iterable[str], present: Sequence[str]) -> list[str]:
    """The headline metrics of ``tasks`` (in order, without repeats) that are among
    ``present``; when none is, the first fallback present, else the first metric present."""
    chosen: list[str] = []
    for task in tasks:
        for metric in HEADLINES.get(task, ()):
            if metric in present and metric not in chosen:
                chosen.append(metric)
    if chosen:
        return chosen
    fallback = [m for m in FALLBACK if m in present][:1]
    return fallback or list(present[:1])


def describe(metric: str) -> str:
    """``vader_compound: mean VADER compound sentiment ...``; the bare name when unknown."""
    words = DESCRIPTIONS.get(metric)
    return f"{metric}: {words}" if words else metric
