"""Benchmark 4: the pressure-task loop end to end against its generation-only bound.

The loop is what ``steer run task=impossible_code task.max_attempts=3 readouts=bank`` does per
batch: generate every row's attempt (per-row strengths), score each reply in the sandbox, read
the emotions over the transcript, feed failures back, and go again. The bound is the same rows
through generation alone: every attempt's prompts (taken from the full run's conversations)
through ``generate_rows`` with nothing else. Greedy decoding makes both produce the same
replies, which the report checks.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks import report
from steer.generation import generate_rows
from steer.generation_settings import GenerationSettings
from steer.models.loaded import LoadedModel
from steer.models.prompts import Message
from steer.runs.episodes import ATTEMPT_SEED_STRIDE, Played, batches, play
from steer.steering.plan import SteeringPlan
from steer.tasks.impossible_code import ImpossibleCodeTask
from steer.tasks.sandboxing import make_sandbox
from steer.transcript_readouts import TranscriptReader

TARGET_LOOP = 0.8
ATTEMPTS = 3
PROBLEMS = 4  # the shortest HumanEval problems, each in its oneoff and conflicting variant
STRENGTHS = (0.0, 0.1)


@dataclass(frozen=True)
class LoopSetup:
    model: LoadedModel
    plan: SteeringPlan
    reader: TranscriptReader
    max_new_tokens: int
    batch_size: int


def _attempt_prompts(played: Sequence[Played]) -> list[list[tuple[list[Message], float]]]:
    """Per attempt, the (conversation, strength) of every row that made that attempt, in the
    order ``play`` generated them."""
    attempts: list[list[tuple[list[Message], float]]] = []
    for number in range(1, ATTEMPTS + 1):
        rows = []
        for episode in played:
            if len(episode.attempts) < number:
                continue
            conversation = list(episode.row.episode.messages)
            for earlier in episode.attempts[: number - 1]:
                assert earlier.score.feedback is not None
                conversation += [
                    {"role": "assistant", "content": earlier.reply.text},
                    {"role": "user", "content": earlier.score.feedback},
                ]
            rows.append((conversation, episode.row.strength))
        if rows:
            attempts.append(rows)
    return attempts


def bench_pressure_loop(setup: LoopSetup) -> report.Section:
    model = setup.model
    task = ImpossibleCodeTask(make_sandbox(), problems=PROBLEMS, max_attempts=ATTEMPTS)
    settings = GenerationSettings(max_new_tokens=setup.max_new_tokens, batch_size=setup.batch_size)
    row_batches = list(batches(task.episodes(), STRENGTHS, setup.batch_size))
    report_log(f"benchmark 4: {sum(len(b) for b in row_batches)} rows, up to {ATTEMPTS} attempts")

    started = time.perf_counter()
    played: list[list[Played]] = []
    for index, rows in enumerate(row_batches):
        played.append(play(model, task, rows, setup.plan, settings, index, setup.reader, 2))
    full_s = time.perf_counter() - started

    started = time.perf_counter()
    same, generations, tokens = True, 0, 0
    for index, batch_played in enumerate(played):
        for number, rows in enumerate(_attempt_prompts(batch_played), start=1):
            prompts = [model.formatter.chat_ids(conversation) for conversation, _ in rows]
            strengths = [strength for _, strength in rows]
            seed = index + (number - 1) * ATTEMPT_SEED_STRIDE
            replies = generate_rows(model, prompts, strengths, setup.plan, settings, seed)
            going = [p for p in batch_played if len(p.attempts) >= number]
            same &= [r.tokens for r in replies] == [
                p.attempts[number - 1].reply.tokens for p in going
            ]
            generations += len(replies)
            tokens += sum(len(r.tokens) for r in replies)
    generation_s = time.perf_counter() - started

    episodes = sum(len(b) for b in played)
    ratio = generation_s / full_s
    verdict = report.verdict(ratio, TARGET_LOOP)
    per_hour = episodes / full_s * 3600
    bound_per_hour = episodes / generation_s * 3600
    section = report.Section("", [], [], [])
    section.summary.append(
        f"pressure loop: {per_hour:.0f} episodes/hour, {ratio:.2f} of the generation-only bound "
        f"({bound_per_hour:.0f}/hour; target ≥ {TARGET_LOOP}: {verdict})"
    )
    if verdict == "MISS":
        section.misses.append("benchmark 4")
    passes = sum(a.score.metrics.get("passed", 0.0) for b in played for p in b for a in p.attempts)
    section.facts.append(
        f"pressure loop: {episodes} episodes ({generations} generations, {tokens} generated "
        f"tokens, {passes:.0f} passing attempts) took {full_s:.0f} s with sandbox and readouts "
        f"and {generation_s:.0f} s through generation alone; the rest, {full_s - generation_s:.0f}"
        f" s, is scoring in the sandbox, the readout passes and the prompts' re-encoding."
    )
    header = ["", "wall s", "episodes/hour", "ratio to the bound", "target", "verdict"]
    rows = [
        ["full loop (generate, sandbox, readouts, feedback)", f"{full_s:.1f}",
         f"{per_hour:.0f}", f"{ratio:.2f}", f"≥ {TARGET_LOOP}", verdict],
        ["generation alone (the bound)", f"{generation_s:.1f}", f"{bound_per_hour:.0f}", "1",
         "—", "—"],
    ]  # fmt: skip
    section.markdown = "\n\n".join(
        [
            "## 4. The pressure-task loop end to end",
            f"`task=impossible_code`: the {PROBLEMS} shortest HumanEval problems in their oneoff "
            f"and conflicting variants at strengths {list(STRENGTHS)} ({episodes} episodes, "
            f"batch {setup.batch_size}), up to {ATTEMPTS} attempts with the failing test fed "
            f"back, greedy, at most {setup.max_new_tokens} new tokens, the sandbox "
            "(bubblewrap, 2 workers) and readouts of "
            f"{len(setup.reader.emotions)} emotion(s) at layer {setup.reader.layer} after every "
            "attempt. The bound replays every attempt's prompts through `generate_rows` alone. "
            "One repeat (each side takes minutes). Replies identical on both sides: "
            f"{'yes' if same else 'no'}.",
            report.table(header, rows),
        ]
    )
    return section


def report_log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)
