"""The figures of one inspected prompt, written into the run's ``inspect/`` folder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from steer.compare.plots import safe_name
from steer.errors import SteerError
from steer.inspect.attention import shown_tokens
from steer.inspect.heatmaps import HeatmapPage, attention_figure
from steer.inspect.inspection import Inspection
from steer.inspect.labels import plot_safe
from steer.inspect.profile_plots import ProfilePage, norm_figure, readout_figure
from steer.inspect.profiles import ReadoutSource
from steer.inspect.settings import InspectSettings
from steer.steering.plan import SteeringPlan


def steering_text(plan: SteeringPlan, strength: float) -> str:
    """e.g. ``happy_vs_sad +0.1 (unit norm) at layer 20``."""
    layers = ", ".join(str(layer) for layer in plan.layers)
    where = f"layer{'s' if len(plan.layers) > 1 else ''} {layers}"
    return f"{plan.label} {strength:+g} (unit {plan.unit}, positions {plan.positions}) at {where}"


def refuse_clashing_file_names(prompt_ids: Sequence[str]) -> None:
    """Figures are named after prompt ids made file-safe; two ids that become the same name
    (``a/b`` and ``a_b``) would overwrite each other's figures."""
    seen: dict[str, str] = {}
    for prompt_id in prompt_ids:
        name = safe_name(prompt_id)
        if name in seen and seen[name] != prompt_id:
            raise SteerError(
                f"prompt ids {seen[name]!r} and {prompt_id!r} give the same figure name {name!r}",
                "give the prompts ids that differ in letters, digits, '.', '_' or '-'",
            )
        seen[name] = prompt_id


def draw_prompt(
    inspection: Inspection,
    tokens: list[str],
    settings: InspectSettings,
    plan: SteeringPlan,
    source: ReadoutSource,
    output_dir: Path,
    folder: Path,
) -> dict[str, object]:
    """Every figure of one prompt; returns their paths relative to ``output_dir``."""
    folder.mkdir(parents=True, exist_ok=True)
    transcript = inspection.transcript
    name = safe_name(transcript.prompt_id)
    steering = steering_text(plan, settings.strength)
    labels = [plot_safe(token) for token in tokens]
    window = shown_tokens(len(tokens), settings.max_tokens)
    attention: dict[str, str] = {}
    for layer in settings.attention_layers:
        page = HeatmapPage(
            transcript.prompt_id, layer, settings.heads, settings.n_heads, labels, window,
            len(transcript.prompt_ids), steering,
        )  # fmt: skip
        path = attention_figure(
            page,
            inspection.patterns["baseline"][layer],
            inspection.patterns["steered"][layer],
            folder / f"attention_{name}_L{layer}.png",
        )
        attention[str(layer)] = path.relative_to(output_dir).as_posix()
    profile_page = ProfilePage(transcript.prompt_id, plan.layers, steering)
    baseline, steered = inspection.profiles["baseline"], inspection.profiles["steered"]
    norms = norm_figure(
        profile_page, baseline, steered, inspection.displacement, folder / f"norms_{name}.png"
    )
    readouts = readout_figure(
        profile_page, source.emotions, baseline, steered, source.origin,
        folder / f"readouts_{name}.png",
    )  # fmt: skip
    return {
        "attention": attention,
        "norms": norms.relative_to(output_dir).as_posix(),
        "readouts": readouts.relative_to(output_dir).as_posix(),
    }
