"""Performance benchmark of steer on an embedded model; writes ``benchmarks/RESULTS*.md``.

    python benchmarks/bench.py [--model smollm2|qwen05] [--repeats 5] [--quick] [--out FILE]
    python benchmarks/bench.py --device cuda --dtype bfloat16 --out RESULTS-cuda.md  # a GPU

A measurement, not a test: it never fails on a missed target (the exit code is 0 unless the
benchmark itself crashes). All contenders run in this one process, interleaved per repeat.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python benchmarks/bench.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch
from transformers import GenerationConfig

from benchmarks import report
from benchmarks.pressure_loop import LoopSetup, bench_pressure_loop
from benchmarks.timing import Timed, interleaved, profile
from steer.activations import TokenWindow, text_activations
from steer.batching import pad_batch
from steer.choices import Engine, Site
from steer.generation import Generated, generate_rows
from steer.generation_settings import GenerationSettings
from steer.hooks import HookRef
from steer.models.cache import cache_root
from steer.models.loaded import LoadedModel
from steer.models.loaders import load_qwen25_coder_05b_instruct, load_smollm2
from steer.steering.plan import SteeringPlan, make_plan
from steer.stimuli.shipped import load_shipped, shipped_story_emotions
from steer.transcript_readouts import TranscriptReader
from steer.vectors.contrast import build_contrast
from steer.vectors.vector_set import VectorSet

# Requests for long answers, so greedy decoding does not stop at EOS within the token budget
# (checked and reported: "full rows").
PROMPTS = (
    "Write a long, detailed story about a lighthouse keeper and a storm.",
    "Describe, step by step and at length, how bread is baked.",
    "Tell me a long story about a dragon who learns to cook.",
    "Write a detailed essay about the history of the bicycle.",
    "Explain at length how a city's water system works.",
    "Write a long letter to a friend about your summer holiday.",
    "Describe in detail a walk through a busy market.",
    "Tell a long story about two friends building a boat.",
)
STRENGTH = 0.1  # unit=norm: a tenth of the layer's mean residual norm (conf/steering default)
SWEEP = (-0.25, -0.1, 0.0, 0.1, 0.25)  # the demo experiment's strengths
VECTOR = "happy"
EXTRACTION_BATCH = 8
TARGET_SWEEP_ONE = 2.5
TARGET_SWEEP_EIGHT = 1.5
TARGET_EXTRACTION = 0.9
# The 40-row sweep costs ~70 s per repeat on 2 cores; at most 3 keep the run near 10 minutes.
LARGE_SWEEP_REPEATS = 3


@dataclass(frozen=True)
class BenchModel:
    """One embedded model the benchmark runs on, and what it expects of it."""

    label: str
    load: Callable[..., LoadedModel]
    bank_dir: str  # under <cache>/banks/
    results: str  # the report's file name in benchmarks/
    target_steered: float
    loop_tokens: int  # max new tokens per attempt in the pressure loop


MODELS = {
    "smollm2": BenchModel(
        "SmolLM2-135M-Instruct", load_smollm2, "smollm2_135m_instruct", "RESULTS.md", 0.95, 128
    ),
    "qwen05": BenchModel(
        "Qwen2.5-Coder-0.5B-Instruct",
        load_qwen25_coder_05b_instruct,
        "qwen25_coder_05b_instruct",
        "RESULTS-qwen25-coder-0.5b.md",
        0.97,
        256,
    ),
}


def synchronize(model: LoadedModel) -> None:
    """Wait for queued GPU work, so a timed call includes it (no-op on the CPU)."""
    if model.device.type == "cuda":
        torch.cuda.synchronize(model.device)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Options:
    model: BenchModel
    repeats: int
    max_new_tokens: int
    n_texts: int
    quick: bool
    out: Path
    command: str
    device: str
    dtype: str
    only: frozenset[int]  # benchmark numbers to run; empty: all

    @property
    def target_steered(self) -> float:
        return self.model.target_steered


@dataclass(frozen=True)
class Rows:
    """What one generation call produced: per-row tokens (cut before EOS) and how it ended."""

    tokens: tuple[tuple[int, ...], ...]
    eos: tuple[bool, ...]

    @property
    def produced(self) -> int:
        """Generated tokens that are not padding (an EOS counts: it was computed)."""
        return sum(len(row) for row in self.tokens) + sum(self.eos)

    def full(self, max_new_tokens: int) -> bool:
        return not any(self.eos) and all(len(row) == max_new_tokens for row in self.tokens)


def rows_from_generated(generated: Sequence[Generated]) -> Rows:
    return Rows(
        tuple(tuple(g.tokens) for g in generated),
        tuple(g.finish_reason == "eos" for g in generated),
    )


def rows_from_ids(new_tokens: list[list[int]], eos_ids: Sequence[int]) -> Rows:
    eos = set(eos_ids)
    tokens, ended = [], []
    for row in new_tokens:
        cut = next((i for i, token in enumerate(row) if token in eos), None)
        tokens.append(tuple(row if cut is None else row[:cut]))
        ended.append(cut is not None)
    return Rows(tuple(tokens), tuple(ended))


def concat(parts: Sequence[Rows]) -> Rows:
    return Rows(
        tuple(row for part in parts for row in part.tokens),
        tuple(flag for part in parts for flag in part.eos),
    )


# --- contenders -------------------------------------------------------------------------------


def hf_limit(
    model: LoadedModel, prompts: Sequence[Sequence[int]], max_new: int
) -> Callable[[], Rows]:
    """Plain Hugging Face ``generate`` on the unhooked model: the limit (inputs pre-padded)."""
    input_ids, attention = pad_batch(prompts, model.pad_token_id, "left", model.device)
    config = GenerationConfig(
        max_new_tokens=max_new,
        do_sample=False,
        pad_token_id=model.pad_token_id,
        eos_token_id=model.eos_token_ids,
    )
    hf: Any = model.hf  # `generate` is untyped upstream
    eos = model.eos_token_ids

    def run() -> Rows:
        with torch.no_grad():
            output = hf.generate(
                input_ids=input_ids, attention_mask=attention, generation_config=config
            )
        return rows_from_ids(output[:, input_ids.shape[1] :].tolist(), eos)

    return run


def steered(
    model: LoadedModel,
    prompts: Sequence[Sequence[int]],
    strengths: Sequence[float],
    plan: SteeringPlan,
    max_new: int,
) -> Callable[[], Rows]:
    """One ``generate_rows`` call, timed whole (padding, hooks, generation, decoding)."""
    settings = GenerationSettings(max_new_tokens=max_new, batch_size=len(prompts))

    def run() -> Rows:
        return rows_from_generated(generate_rows(model, prompts, strengths, plan, settings, 0))

    return run


def separately(runs: Sequence[Callable[[], Rows]]) -> Callable[[], Rows]:
    def run() -> Rows:
        return concat([one() for one in runs])

    return run


# --- benchmark 1: steered generation versus plain generate ------------------------------------


def tokens_per_second(timed: Timed[Rows]) -> float:
    return timed.last.produced / timed.stats.median


def timing_cells(timed: Timed[Any]) -> list[str]:
    s = timed.stats
    return [f"{s.median:.2f}", f"{s.low:.2f}–{s.high:.2f}", f"{s.iqr:.2f}"]


def memory_cells(timed: Timed[Any]) -> list[str]:
    return [report.mb(timed.peak_mb), report.mb(timed.peak_delta_mb)]


LIMIT = "HF generate, no hooks (limit)"
STEERED_HF = "steer generate_rows, engine=hf"
STEERED_BRIDGE = "steer generate_rows, engine=bridge (info)"


def profile_all(
    label: str, contenders: Sequence[tuple[str, Callable[[], object]]], steps: int | None
) -> str:
    log(f"profiling {label}")
    summaries = [(name, profile(fn)) for name, fn in contenders]
    return report.profile_markdown(label, summaries, steps)


def bench_steered(
    model: LoadedModel,
    chats: Sequence[Sequence[int]],
    plans: dict[Engine, SteeringPlan],
    opts: Options,
) -> report.Section:
    steps = opts.max_new_tokens
    section = report.Section("", [], [], [])
    rows: list[list[str]] = []
    profiles: list[str] = []
    for batch in (1, 8):
        prompts = list(chats[:batch])
        strengths = [STRENGTH] * batch
        contenders = {
            LIMIT: hf_limit(model, prompts, steps),
            STEERED_HF: steered(model, prompts, strengths, plans[Engine.hf], steps),
            STEERED_BRIDGE: steered(model, prompts, strengths, plans[Engine.bridge], steps),
        }
        log(f"benchmark 1, batch {batch}: {opts.repeats} interleaved repeats")
        timed = interleaved(contenders, opts.repeats)
        limit_rate = tokens_per_second(timed[LIMIT])
        for name, result in timed.items():
            ratio = tokens_per_second(result) / limit_rate
            has_target = name == STEERED_HF
            verdict = report.verdict(ratio, opts.target_steered) if has_target else "—"
            rows.append(
                [
                    str(batch),
                    name,
                    *timing_cells(result),
                    str(result.last.produced),
                    "yes" if result.last.full(steps) else "no",
                    f"{tokens_per_second(result):.1f}",
                    "1" if name == LIMIT else f"{ratio:.3f}",
                    f"≥ {opts.target_steered}" if has_target else "—",
                    verdict,
                    *memory_cells(result),
                ]
            )
            if name != LIMIT:
                extra_ms = 1e3 * (result.stats.median - timed[LIMIT].stats.median) / steps
                section.facts.append(
                    f"batch {batch}, {name}: {ratio:.3f} of the limit's tokens/s; the median "
                    f"call took {extra_ms:+.1f} ms per decoding step relative to the limit "
                    f"(limit: {1e3 * timed[LIMIT].stats.median / steps:.1f} ms per step)."
                )
            if has_target:
                section.summary.append(
                    f"batch {batch}: steered/limit = {ratio:.3f} "
                    f"(target ≥ {opts.target_steered}: {verdict})"
                )
                if verdict == "MISS":
                    section.misses.append(f"benchmark 1, batch {batch}")
        # Batch 1 is always profiled (where steer's per-step overhead would show most); batch 8
        # only when its target was missed.
        if batch == 1 or f"benchmark 1, batch {batch}" in section.misses:
            profiles.append(profile_all(f"batch {batch}", list(contenders.items()), steps))
    attention = [model.hf.config._attn_implementation, model.bridged_hf.config._attn_implementation]
    section.facts.append(
        f"Attention implementation: `{attention[0]}` in the plain view (limit, engine=hf), "
        f"`{attention[1]}` in the bridge-wrapped model (engine=bridge)."
    )
    header = [
        "batch",
        "contender",
        "median s",
        "min–max s",
        "IQR s",
        "tokens",
        "full rows",
        "tokens/s (median)",
        "ratio vs limit",
        "target",
        "verdict",
        "peak RSS MB",
        "extra MB",
    ]
    section.markdown = "\n\n".join(
        [
            "## 1. Steered generation versus plain Hugging Face `generate`",
            f"Greedy, {steps} new tokens, steering `{VECTOR}` at strength {STRENGTH} "
            f"(unit=norm, positions=all) at layer {plans[Engine.hf].layers}; the limit is "
            "`model.hf.generate` with no hooks on the same left-padded batch (padded before "
            "timing; steer's call is timed whole: padding, hooks, generation, decoding to text). "
            "*tokens* counts generated non-padding tokens of the last repeat; *full rows* says "
            f"every row ran all {steps} tokens without EOS, so every side did the same work. "
            "Ratio = tokens/s ÷ the limit's tokens/s (medians).",
            report.table(header, rows),
            *profiles,
        ]
    )
    return section


# --- benchmark 2: a strength sweep as one batch versus separate runs -------------------------


def bench_sweep(
    model: LoadedModel, chats: Sequence[Sequence[int]], plan: SteeringPlan, opts: Options
) -> report.Section:
    section = report.Section("", [], [], [])
    rows: list[list[str]] = []
    profiles: list[str] = []
    cases = (
        ("a", "5 strengths × 1 prompt", 1, TARGET_SWEEP_ONE),
        ("b", "5 strengths × 8 prompts", 8, TARGET_SWEEP_EIGHT),
    )
    for key, label, n_prompts, target in cases:
        repeats = min(opts.repeats, LARGE_SWEEP_REPEATS) if n_prompts > 1 else opts.repeats
        prompts = list(chats[:n_prompts])
        batched_prompts = [p for _ in SWEEP for p in prompts]
        batched_strengths = [s for s in SWEEP for _ in prompts]
        contenders = {
            "batched": steered(
                model, batched_prompts, batched_strengths, plan, opts.max_new_tokens
            ),
            "separate": separately(
                [steered(model, prompts, [s] * n_prompts, plan, opts.max_new_tokens) for s in SWEEP]
            ),
        }
        log(f"benchmark 2{key} ({label}): {repeats} interleaved repeats")
        timed = interleaved(contenders, repeats)
        batched, separate = timed["batched"], timed["separate"]
        speedup = separate.stats.median / batched.stats.median
        identical = batched.last == separate.last
        verdict = report.verdict(speedup, target)
        full = all(t.last.full(opts.max_new_tokens) for t in (batched, separate))
        differing = sum(
            a != b for a, b in zip(batched.last.tokens, separate.last.tokens, strict=True)
        )
        rows.append(
            [
                f"{key}: {label}",
                str(repeats),
                f"{len(batched_prompts)} rows, 1 call",
                *timing_cells(batched),
                f"{len(SWEEP)} calls of {n_prompts}",
                *timing_cells(separate),
                f"{speedup:.2f}×",
                f"≥ {target}×",
                verdict,
                "yes" if identical else f"no ({differing} of {len(batched_prompts)} rows differ)",
                "yes" if full else "no",
                f"{report.mb(batched.peak_delta_mb)} / {report.mb(separate.peak_delta_mb)}",
            ]
        )
        section.summary.append(
            f"sweep {key}: {speedup:.2f}× faster batched (target ≥ {target}×: {verdict}), "
            f"identical tokens: {'yes' if identical else 'no'}"
        )
        one_call = separate.stats.median / len(SWEEP)
        section.facts.append(
            f"sweep {key}: one call of {n_prompts} row(s) takes {one_call:.2f} s (a fifth of "
            f"*separate*); {len(batched_prompts)} rows in one call take "
            f"{batched.stats.median:.2f} s, i.e. {batched.stats.median / one_call:.2f}× the "
            f"time for {len(SWEEP)}× the rows."
        )
        if verdict == "MISS":
            section.misses.append(f"benchmark 2{key}")
            runs = [("separate", contenders["separate"]), ("batched", contenders["batched"])]
            profiles.append(profile_all(f"sweep {key}", runs, None))
    header = [
        "case",
        "repeats",
        "batched",
        "median s",
        "min–max s",
        "IQR s",
        "separate",
        "median s",
        "min–max s",
        "IQR s",
        "speedup",
        "target",
        "verdict",
        "identical tokens",
        "full rows",
        "extra MB batched / separate",
    ]
    section.markdown = "\n\n".join(
        [
            "## 2. A strength sweep as one batch versus separate runs",
            f"Strengths {list(SWEEP)} of `{VECTOR}` (unit=norm), greedy, {opts.max_new_tokens} "
            "new tokens. *Batched* is one `generate_rows` call with one row per (strength, "
            "prompt) and per-row strengths; *separate* is one `generate_rows` call per strength "
            "(batch 1 in case a, batch 8 in case b). Speedup = separate median ÷ batched median. "
            f"Case b runs at most {LARGE_SWEEP_REPEATS} repeats (about 70 s each on 2 cores). "
            "*Identical tokens* compares every row's greedy tokens (and EOS) between the two ways.",
            report.table(header, rows),
            *profiles,
        ]
    )
    return section


# --- benchmark 3: extraction throughput ---------------------------------------------------------


def extraction_texts(model: LoadedModel, n_texts: int) -> list[list[int]]:
    stories = load_shipped(shipped_story_emotions())
    step = max(1, len(stories) // n_texts)
    return [model.formatter.text_ids(s.text) for s in stories[::step][:n_texts]]


def plain_hidden_states(
    model: LoadedModel, texts: Sequence[Sequence[int]], decoder_only: bool
) -> Callable[[], int]:
    """Forward passes with ``output_hidden_states=True``, same length-sorted batches as steer."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    forward: Callable[..., object] = model.hf.get_decoder() if decoder_only else model.hf

    def run() -> int:
        with torch.no_grad():
            for start in range(0, len(order), EXTRACTION_BATCH):
                batch = [texts[i] for i in order[start : start + EXTRACTION_BATCH]]
                input_ids, attention = pad_batch(batch, model.pad_token_id, "right", model.device)
                forward(input_ids=input_ids, attention_mask=attention, output_hidden_states=True)
        synchronize(model)
        return len(texts)

    return run


def steer_extraction(model: LoadedModel, texts: Sequence[Sequence[int]]) -> Callable[[], int]:
    """What ``story_means`` runs for one emotion: every layer's resid_post, window from 50."""
    refs = [HookRef(layer, Site.resid_post) for layer in range(model.n_layers)]
    window = TokenWindow(start=50)

    def run() -> int:
        text_activations(model, texts, refs, window, EXTRACTION_BATCH, "bench")
        return len(texts)

    return run


def bench_extraction(model: LoadedModel, opts: Options) -> report.Section:
    texts = extraction_texts(model, opts.n_texts)
    lengths = sorted(len(t) for t in texts)
    baseline = "HF forward, output_hidden_states=True (baseline)"
    ours = f"steer text_activations (all {model.n_layers} layers, resid_post)"
    contenders = {
        baseline: plain_hidden_states(model, texts, decoder_only=False),
        ours: steer_extraction(model, texts),
        "HF decoder only, output_hidden_states=True (info)": plain_hidden_states(
            model, texts, decoder_only=True
        ),
    }
    log(f"benchmark 3 ({len(texts)} texts): {opts.repeats} interleaved repeats")
    timed = interleaved(contenders, opts.repeats)
    base_rate = len(texts) / timed[baseline].stats.median
    section = report.Section("", [], [], [])
    rows: list[list[str]] = []
    for name, result in timed.items():
        rate = len(texts) / result.stats.median
        ratio = rate / base_rate
        verdict = report.verdict(ratio, TARGET_EXTRACTION) if name == ours else "—"
        rows.append(
            [
                name,
                *timing_cells(result),
                f"{rate:.2f}",
                "1" if name == baseline else f"{ratio:.3f}",
                f"≥ {TARGET_EXTRACTION}" if name == ours else "—",
                verdict,
                *memory_cells(result),
            ]
        )
        if name != baseline:
            section.facts.append(f"extraction, {name}: {ratio:.3f} of the baseline's texts/s.")
        if name == ours:
            section.summary.append(
                f"extraction: steer/plain texts/s = {ratio:.3f} "
                f"(target ≥ {TARGET_EXTRACTION}: {verdict})"
            )
            if verdict == "MISS":
                section.misses.append("benchmark 3")
    profiles = []
    if section.misses:
        runs = [("plain forward", contenders[baseline]), ("steer", contenders[ours])]
        profiles.append(profile_all("extraction", runs, None))
    header = [
        "contender",
        "median s",
        "min–max s",
        "IQR s",
        "texts/s",
        "ratio vs baseline",
        "target",
        "verdict",
        "peak RSS MB",
        "extra MB",
    ]
    section.markdown = "\n\n".join(
        [
            "## 3. Extraction throughput",
            f"{len(texts)} shipped stories (evenly spaced over all emotions, "
            f"{lengths[0]}–{lengths[-1]} tokens, median {lengths[len(lengths) // 2]}), batch "
            f"{EXTRACTION_BATCH}, right-padded, in length-sorted batches on every side. steer "
            "(`text_activations`, what `story_means` runs) reads every layer through hooks, runs "
            "the decoder without the LM head and reduces each text to its per-layer token means "
            "(window from token 50) on the CPU. The baseline is the full model forward with "
            "`output_hidden_states=True`; a decoder-only forward is shown for information (the "
            "stricter limit, since steer skips the LM head too).",
            report.table(header, rows),
            *profiles,
        ]
    )
    return section


# --- setup and the report -------------------------------------------------------------------


def load_vectors(model: LoadedModel, bank_dir: str) -> tuple[VectorSet, str]:
    path = cache_root() / "banks" / bank_dir / "bank.safetensors"
    if path.is_file():
        vectors = VectorSet.load(path)
        try:
            vectors.check_compatible(model)
            return vectors, f"the published bank `{path}`"
        except Exception as error:  # a bank from other weights: fall back to a contrast vector
            log(f"bank not usable ({error}); building a contrast vector")
    happy = [s.text for s in load_shipped(["happy"])[:8]]
    sad = [s.text for s in load_shipped(["sad"])[:8]]
    vectors = build_contrast(model, VECTOR, happy, sad, reference_limit=16)
    return vectors, "a happy-vs-sad contrast vector (8 shipped stories each; no bank found)"


def warm_up(
    model: LoadedModel, chats: Sequence[Sequence[int]], plans: Sequence[SteeringPlan]
) -> None:
    """First calls allocate and initialise lazily; keep that out of every timed repeat."""
    hf_limit(model, chats[:2], 4)()
    for plan in plans:
        steered(model, chats[:2], [STRENGTH, 0.0], plan, 4)()
    plain_hidden_states(model, [chats[0]], decoder_only=False)()


def with_load(run: Callable[[], report.Section]) -> report.Section:
    """Run one benchmark and note the load average around it (others may share the CPU)."""
    before = report.load_average()
    section = run()
    section.markdown += (
        f"\n\nLoad average (1, 5, 15 min) when this benchmark started: {before}; when it "
        f"ended: {report.load_average()}."
    )
    return section


def parse(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model", choices=sorted(MODELS), default="smollm2")
    parser.add_argument("--repeats", type=int, default=None, help="timed repeats (default 5)")
    parser.add_argument("--quick", action="store_true", help="smoke check: 2 repeats, 16 tokens")
    parser.add_argument("--out", type=Path, default=None, help="default benchmarks/RESULTS*.md")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda, cuda:1, ...")
    parser.add_argument("--dtype", default="float32", help="float32 (default), bfloat16, float16")
    parser.add_argument("--only", default="", help="comma-separated benchmark numbers (1-4)")
    args = parser.parse_args(argv)
    try:
        only = frozenset(int(n) for n in args.only.split(",") if n.strip())
    except ValueError:
        parser.error(f"--only takes benchmark numbers such as 1,4, not {args.only!r}")
    if not only <= {1, 2, 3, 4}:
        parser.error(f"--only: the benchmarks are 1 to 4, not {sorted(only - {1, 2, 3, 4})}")
    model = MODELS[args.model]
    repeats = args.repeats if args.repeats is not None else (2 if args.quick else 5)
    if repeats < 1:
        parser.error("--repeats must be at least 1")
    shown = " ".join(shlex.quote(a) for a in (sys.argv if argv is None else ["bench.py", *argv]))
    return Options(
        model=model,
        repeats=repeats,
        max_new_tokens=16 if args.quick else 64,
        n_texts=16 if args.quick else 24,
        quick=args.quick,
        out=args.out or Path(__file__).parent / model.results,
        command=f"{sys.executable} {shown}",
        device=args.device,
        dtype=args.dtype,
        only=only,
    )


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse(argv)
    started, load_start = time.perf_counter(), report.load_average()
    log(f"loading {opts.model.label} (load average {load_start})")
    model = opts.model.load(device=opts.device, dtype=opts.dtype)
    vectors, vectors_note = load_vectors(model, opts.model.bank_dir)
    plans = {
        engine: make_plan(vectors, VECTOR, None, "all", "norm", engine)
        for engine in (Engine.hf, Engine.bridge)
    }
    chats = [model.formatter.chat_ids([{"role": "user", "content": p}]) for p in PROMPTS]
    warm_up(model, chats, list(plans.values()))
    reader = TranscriptReader(model, vectors, (VECTOR,), plans[Engine.hf].layers[0])
    loop = LoopSetup(
        model,
        plans[Engine.hf],
        reader,
        opts.max_new_tokens if opts.quick else opts.model.loop_tokens,
        batch_size=16,
    )
    benchmarks: list[Callable[[], report.Section]] = [
        lambda: bench_steered(model, chats, plans, opts),
        lambda: bench_sweep(model, chats, plans[Engine.hf], opts),
        lambda: bench_extraction(model, opts),
        lambda: bench_pressure_loop(loop),
    ]
    chosen = [run for n, run in enumerate(benchmarks, start=1) if not opts.only or n in opts.only]
    sections = [with_load(run) for run in chosen]
    document = report.document(
        sections,
        model=opts.model.label,
        quick=opts.quick,
        repeats=opts.repeats,
        vectors_note=vectors_note,
        command=opts.command,
        loads=(load_start, report.load_average()),
        minutes=(time.perf_counter() - started) / 60,
        setting=f"{opts.dtype}, {opts.device}",
    )
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(document)
    log(f"wrote {opts.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
