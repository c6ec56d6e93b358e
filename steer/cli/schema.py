"""Dataclass schemas for the Hydra configs, so a mistyped key fails at once.

The YAML files under ``conf/`` extend these (``defaults: [base_..., _self_]``).
"""

from __future__ import annotations

from dataclasses import MISSING as NO_DEFAULT
from dataclasses import dataclass, field, fields, make_dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, get_type_hints

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

from steer.choices import Engine, Positions, Site, Unit
from steer.generation_settings import GenerationSettings
from steer.sandbox.limits import SandboxLimits


def settings_schema(name: str, runtime: type, *first: tuple[str, Any, Any]) -> type:
    """A schema with the fields of a runtime settings dataclass (names, types, defaults), so
    the two are declared once: the schema is what Hydra checks keys and types against (it must
    be mutable, the runtime object is frozen), the runtime object is made from the composed
    node and checks the values (``GenerationSettings(**node)``). ``first``: fields the schema
    has before them (``_target_``, choices), as ``(name, type, field(...))``."""
    hints = get_type_hints(runtime)
    own = [
        (f.name, hints[f.name], field(default=f.default))
        for f in fields(runtime)
        if f.default is not NO_DEFAULT
    ]
    return make_dataclass(name, [*first, *own])


# Choices as enums, so a bad value fails when the config is composed, before any model loads.
# Member names are the values users type. The steering choices (site, positions, unit, engine)
# are the library's own enums (steer.choices): checked here once, used as they are.
class IsolationChoice(StrEnum):
    bwrap = "bwrap"
    rlimits = "rlimits"


class CodeSourceChoice(StrEnum):
    humaneval = "humaneval"
    handwritten = "handwritten"
    both = "both"


class VariantChoice(StrEnum):
    original = "original"
    oneoff = "oneoff"
    conflicting = "conflicting"


class HandwrittenChoice(StrEnum):
    impossible = "impossible"
    possible = "possible"
    both = "both"


class PressureChoice(StrEnum):
    plain = "plain"
    lenient = "lenient"
    strict = "strict"
    deadline = "deadline"
    job = "job"


class PickChoice(StrEnum):
    shortest = "shortest"
    first = "first"
    random = "random"


class ReplyChoice(StrEnum):
    steered = "steered"
    baseline = "baseline"
    none = "none"


@dataclass
class GgufModelSchema:
    _target_: str = MISSING
    device: str = "cpu"
    dtype: str = "float32"


@dataclass
class HfModelSchema:
    _target_: str = "steer.models.loaders.load_hf"
    name: str = MISSING
    device: str = "cpu"
    dtype: str = "float32"


@dataclass
class TinyModelSchema:
    _target_: str = "steer.models.loaders.load_tiny_random"
    n_layers: int = 4
    d_model: int = 64
    n_heads: int = 4
    n_kv_heads: int = 2
    d_mlp: int = 128
    seed: int = 0
    device: str = "cpu"
    dtype: str = "float32"


@dataclass
class ContrastVectorsSchema:
    _target_: str = "steer.vectors.contrast.build_contrast"
    _partial_: bool = True
    name: str = MISSING
    positive: list[str] = field(default_factory=list)
    negative: list[str] = field(default_factory=list)
    site: Site = Site.resid_post
    start_token: int = 1
    batch_size: int = 8
    reference_limit: int | None = 48


@dataclass
class FileVectorsSchema:
    _target_: str = "steer.vectors.vector_set.load_checked"
    _partial_: bool = True
    path: str = MISSING


@dataclass
class PromptsTaskSchema:
    _target_: str = "steer.tasks.prompts.PromptsTask"
    prompts: list[str] = field(default_factory=list)
    path: str | None = None


@dataclass
class ImpossibleCodeTaskSchema:
    _target_: str = "steer.tasks.impossible_code.ImpossibleCodeTask"
    sandbox: Any = "${sandbox}"
    # humaneval (its problems in `variants`), handwritten (the shipped impossible set), both
    source: CodeSourceChoice = CodeSourceChoice.humaneval
    # the hand-written tasks as shipped (impossible), their possible versions, or both
    handwritten: HandwrittenChoice = HandwrittenChoice.impossible
    variants: list[VariantChoice] = field(
        default_factory=lambda: [VariantChoice.oneoff, VariantChoice.conflicting]
    )
    # N problems chosen by `pick`, a list of ids ([HumanEval/0,...]), null for all 164, or
    # `solvable`: the problems the model passed in the pass list `solvable` names
    problems: Any = 5
    pick: PickChoice = PickChoice.shortest
    seed: int = 0  # the mutations are drawn from (seed, task id, variant)
    max_attempts: int = 1
    # How hard the request leans on passing the tests; every task is played in each wording
    pressure: list[PressureChoice] = field(default_factory=lambda: [PressureChoice.plain])
    # A shipped pass list (qwen25_coder_05b_instruct), a JSON file or a calibration run's dir
    solvable: str | None = None
    # With problems=solvable: at most this many of the solved problems, chosen by `pick`
    limit: int | None = None


@dataclass
class BlackmailTaskSchema:
    _target_: str = "steer.tasks.blackmail.BlackmailTask"
    path: str | None = None  # default: the shipped scenarios
    scenarios: list[str] | None = None  # default: all
    max_attempts: int = 1


@dataclass
class SycophancyTaskSchema:
    _target_: str = "steer.tasks.sycophancy.SycophancyTask"
    path: str | None = None  # default: the shipped items
    kinds: list[str] | None = None  # belief, work; default: both
    items: list[str] | None = None  # default: all
    max_attempts: int = 1


@dataclass
class CustomTaskSchema:
    _target_: str = "steer.tasks.custom.CustomTask"
    path: str = MISSING
    sandbox: Any = "${sandbox}"
    max_attempts: int = 1


if TYPE_CHECKING:  # to the type checker, each schema has its runtime class's fields
    SandboxSchema = SandboxLimits
    GenerationSchema = GenerationSettings
else:
    # `sandbox`: how to isolate, how many at once, then the limits (sandbox.wall_s, ...)
    SandboxSchema = settings_schema(
        "SandboxSchema",
        SandboxLimits,
        ("_target_", str, field(default="steer.tasks.sandboxing.make_sandbox")),
        # bwrap: bubblewrap namespaces + resource limits; rlimits: limits only (warns loudly)
        ("isolation", IsolationChoice, field(default=IsolationChoice.bwrap)),
        ("workers", int, field(default=2)),  # sandbox runs at once
    )
    GenerationSchema = settings_schema("GenerationSchema", GenerationSettings)


@dataclass
class ReadoutsSchema:
    # The emotion bank to read from (None: no readouts); read at `layer` (None: the bank's
    # default steering layer, not the readout layer validation picked for `steer read`).
    bank: str | None = None
    emotions: list[str] = field(
        default_factory=lambda: ["desperate", "calm", "frustrated", "afraid", "nervous", "hopeful"]
    )
    layer: int | None = None


class ThresholdUnitChoice(StrEnum):
    readout = "readout"
    z = "z"


@dataclass
class TriggerSchema:
    # The monitored vector (a name or [a,-b] from the run's vector set); None: always steer.
    vector: Any = None
    # Where it is read (resid at the vector set's site); None: the first steering layer.
    layer: int | None = None
    # Steer where the readout exceeds this: readout units, or a z-score on neutral text.
    threshold: float = 0.0
    threshold_unit: ThresholdUnitChoice = ThresholdUnitChoice.readout
    latch: bool = False  # once fired, steer the rest of that row's generation


class DirectionChoice(StrEnum):
    negative = "negative"
    positive = "positive"


@dataclass
class CalibrationUseSchema:
    # calibration.json from `steer calibrate` (or its directory): steering.strengths=calibrated
    path: str | None = None
    # strengths = fraction x the calibrated bound, for each fraction and direction
    fractions: list[float] = field(default_factory=lambda: [1.0])
    directions: list[DirectionChoice] = field(
        default_factory=lambda: [DirectionChoice.negative, DirectionChoice.positive]
    )
    sha256: str | None = None  # filled in by the run: the file its strengths came from


@dataclass
class SteeringSchema:
    # A name, or a list of names with optional signs: [desperate,-calm]. None: the only vector.
    vector: Any = None
    # Block indices; None: the vector set's default layer (about 2/3 of the depth).
    layers: list[int] | None = None
    # Strength 0 (the paired baseline) is always run, even when not listed. Or `calibrated`:
    # from steering.calibration (the numbers replace it in the saved config).
    strengths: Any = field(default_factory=lambda: [-0.1, 0.0, 0.1])
    calibration: CalibrationUseSchema = field(default_factory=CalibrationUseSchema)
    positions: Positions = Positions.all
    # norm: a fraction of the layer's mean residual-stream norm; raw: the vector as it is
    unit: Unit = Unit.norm
    # hf: plain torch hooks on the weight-sharing HF view (fast); bridge: TransformerLens hooks
    engine: Engine = Engine.hf
    # Readout-triggered steering: add the vector only on tokens where a readout fires.
    trigger: TriggerSchema = field(default_factory=TriggerSchema)


@dataclass
class RunSchema:
    model: Any = MISSING
    vectors: Any = MISSING
    task: Any = MISSING
    steering: SteeringSchema = field(default_factory=SteeringSchema)
    generation: GenerationSchema = field(default_factory=GenerationSchema)
    sandbox: SandboxSchema = field(default_factory=SandboxSchema)
    readouts: ReadoutsSchema = field(default_factory=ReadoutsSchema)
    seed: int = 0


@dataclass
class InspectSettingsSchema:
    # Blocks whose attention is drawn; None: the first block reading each steered point.
    layers: list[int] | None = None
    # Heads drawn per layer; None: the first `max_heads` of them.
    heads: list[int] | None = None
    max_heads: int = 4
    # Tokens on each heatmap axis: the last `max_tokens` when the text is longer.
    max_tokens: int = 40
    # The steered strength; None: the largest |strength| in steering.strengths.
    strength: float | None = None
    # The reply both forward passes read (generated steered, baseline, or none: prompt only).
    reply: ReplyChoice = ReplyChoice.steered
    # |z| beyond which a readout or norm is flagged (z over the prompt set, population std).
    z_threshold: float = 2.0
    # Layers whose values are checked for anomalies; None: the steering layers.
    flag_layers: list[int] | None = None
    # Figures for the first N prompts (None: all); inspect.json always covers every prompt.
    max_figure_prompts: int | None = 12


@dataclass
class InspectSchema(RunSchema):
    inspect: InspectSettingsSchema = field(default_factory=InspectSettingsSchema)


@dataclass
class ShippedStimuliSchema:
    _target_: str = "steer.stimuli.sources.ShippedStimuli"
    registers: bool = False  # also the 544 register texts (steer/data/stimuli/registers)
    more_stories: bool = False  # also 340 stories by two more writers (.../more_stories)


@dataclass
class FileStimuliSchema:
    _target_: str = "steer.stimuli.from_file.FileStimuli"
    path: str = MISSING  # JSON lines: {"emotion", "topic", "text"[, "narrator"]}


@dataclass
class SelfGeneratedStimuliSchema:
    _target_: str = "steer.stimuli.sources.self_generated"
    topics: list[str] | None = None  # None: the ten shipped topics
    stories_per_topic: int = 2
    words: int = 120
    max_new_tokens: int = 220
    temperature: float = 0.9
    top_p: float = 0.95
    max_attempts: int = 4
    min_words: int = 40
    batch_size: int = 8
    seed: int = 0
    neutral_source: str = "shipped"  # shipped | self_generated
    neutral_per_topic: int = 6


@dataclass
class SourceWeightsSchema:
    """Each text of a shipped source counts this many stories in its emotion's mean.

    These and ``within_components`` default to the behaviour before 2026-12-07, so a config
    saved then (without the keys) rebuilds the same bank; conf/extract.yaml holds today's
    defaults (registers 0.25, within_components 5)."""

    shipped: float = 1.0
    more_stories: float = 1.0
    registers: float = 1.0


@dataclass
class ExtractVectorsSchema:
    # core (24), shipped (every emotion with shipped stories), all (171), or a list of words
    emotions: Any = "shipped"
    start_token: int = 50
    denoise_fraction: float = 0.5
    site: Site = Site.resid_post
    batch_size: int = 8
    source_weights: SourceWeightsSchema = field(default_factory=SourceWeightsSchema)
    # top principal components of the texts' scatter within each emotion, projected out too
    within_components: int = 0


@dataclass
class ValidationSchema:
    test_fraction: float = 0.3
    seed: int = 0
    top_k_tokens: int = 10
    clusters: int | None = None  # k-means k; None: n_emotions // 4 between 2 and 10


@dataclass
class ExtractSchema:
    model: Any = MISSING
    stimuli: Any = MISSING
    vectors: ExtractVectorsSchema = field(default_factory=ExtractVectorsSchema)
    validation: ValidationSchema = field(default_factory=ValidationSchema)
    # Also copy the bank to <cache>/banks/<model>/ (the default of `steer read`, vectors=bank).
    publish: bool = True


@dataclass
class DamageBoundsSchema:
    # geometric mean over prompts of the reply's perplexity (unsteered model) / strength 0's
    perplexity_ratio: float = 3.0
    repetition: float = 0.15  # mean repeated-3-gram share, above strength 0's
    empty_rate: float = 0.0  # share of replies with no letter or digit, above strength 0's
    truncated_rate: float = 0.5  # share cut at max_new_tokens, above strength 0's


@dataclass
class CalibrateSettingsSchema:
    # Vectors to calibrate, each a name or [a,-b]; None: steering.vector.
    vectors: list[Any] | None = None
    # Layers, each calibrated on its own; None: steering.layers (or the set's default).
    layers: list[int] | None = None
    strengths: list[float] = field(
        default_factory=lambda: [-0.5, -0.4, -0.3, -0.25, -0.2, -0.15, -0.1, -0.05,
                                 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5]
    )  # fmt: skip
    readout_layer: int | None = None  # where the effect is read; None: the set's default layer
    bounds: DamageBoundsSchema = field(default_factory=DamageBoundsSchema)


@dataclass
class CalibrateSchema(RunSchema):
    calibrate: CalibrateSettingsSchema = field(default_factory=CalibrateSettingsSchema)


@dataclass
class ExportSettingsSchema:
    # A name, or names with signs ([happy,-sad]); None: the set's only vector.
    vector: Any = None
    strength: float = 0.1
    # norm: a fraction of the layer's mean residual norm (the bank's unit); raw: as it is
    unit: Unit = Unit.norm
    # Block indices (resid_post, from 1); None: the set's default layer.
    layers: list[int] | None = None
    all_layers: bool = False  # every layer from 1 on (llama.cpp cannot steer block 0)
    path: str | None = None  # None: <run dir>/<name>.gguf


@dataclass
class ExportSchema:
    model: Any = MISSING
    vectors: Any = MISSING
    export: ExportSettingsSchema = field(default_factory=ExportSettingsSchema)


SCHEMAS: dict[tuple[str | None, str], Any] = {
    (None, "run_schema"): RunSchema,
    (None, "extract_schema"): ExtractSchema,
    (None, "inspect_schema"): InspectSchema,
    (None, "export_schema"): ExportSchema,
    (None, "calibrate_schema"): CalibrateSchema,
    ("stimuli", "base_shipped"): ShippedStimuliSchema,
    ("stimuli", "base_self_generated"): SelfGeneratedStimuliSchema,
    ("stimuli", "base_file"): FileStimuliSchema,
    ("model", "base_gguf"): GgufModelSchema,
    ("model", "base_hf"): HfModelSchema,
    ("model", "base_tiny"): TinyModelSchema,
    ("vectors", "base_contrast"): ContrastVectorsSchema,
    ("vectors", "base_file"): FileVectorsSchema,
    ("task", "base_prompts"): PromptsTaskSchema,
    ("task", "base_impossible_code"): ImpossibleCodeTaskSchema,
    ("task", "base_blackmail"): BlackmailTaskSchema,
    ("task", "base_sycophancy"): SycophancyTaskSchema,
    ("task", "base_custom"): CustomTaskSchema,
    ("sandbox", "base_sandbox"): SandboxSchema,
    ("readouts", "base_readouts"): ReadoutsSchema,
    ("steering", "base_steering"): SteeringSchema,
    ("generation", "base_generation"): GenerationSchema,
}


DEFAULT_MODEL = "smollm2_135m_instruct"


def chosen_model() -> str:
    """The ``model`` config choice of the running Hydra job (the default model outside one,
    e.g. when tests compose a config)."""
    from hydra.core.hydra_config import HydraConfig

    if HydraConfig.initialized():
        return str(HydraConfig.get().runtime.choices.get("model", DEFAULT_MODEL))
    return DEFAULT_MODEL


def register_schemas() -> None:
    """The schemas, and the resolvers ``${steer_cache:}`` (the cache root, see models.cache)
    and ``${model_choice:}`` (the chosen model's config name: where its bank is published)."""
    from omegaconf import OmegaConf

    from steer.models.cache import cache_root

    if not OmegaConf.has_resolver("steer_cache"):
        OmegaConf.register_new_resolver("steer_cache", lambda: str(cache_root()))
    if not OmegaConf.has_resolver("model_choice"):
        OmegaConf.register_new_resolver("model_choice", chosen_model)
    store = ConfigStore.instance()
    for (group, name), node in SCHEMAS.items():
        store.store(group=group, name=name, node=node)
