"""Multi-attempt episodes on the tiny model: feedback grows the conversation, rows stop when
the task says so, readouts equal a hand computation, batched equals one row at a time."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch

from steer.activations import capturing, run_decoder
from steer.choices import Engine, Site
from steer.generation import generate_rows
from steer.generation_settings import GenerationSettings
from steer.hooks import HookRef
from steer.models.loaded import LoadedModel
from steer.readouts import project
from steer.runs.episodes import Row, play
from steer.runs.setup import steered_readout
from steer.steering.plan import SteeringPlan, make_plan
from steer.tasks.base import Episode, Score, last_attempt_outcome
from steer.transcript_readouts import TranscriptReader, make_reader
from steer.vectors.norms import default_layer
from steer.vectors.vector_set import VectorSet

SETTINGS = GenerationSettings(max_new_tokens=5, batch_size=8)


class RetryUntil:
    """A task whose episode ``stop-after-k`` fails k-1 times, each failure with feedback."""

    name = "retry"

    def __init__(self, max_attempts: int) -> None:
        self.max_attempts = max_attempts
        self.seen: list[tuple[str, int]] = []

    def episodes(self) -> list[Episode]:
        return [
            Episode(f"stop-after-{k}", ({"role": "user", "content": f"Task {k}."},))
            for k in (1, 2, 5)
        ]

    def score(self, episode: Episode, reply: str, attempt: int) -> Score:
        self.seen.append((episode.id, attempt))
        done = attempt >= int(episode.id.rsplit("-", 1)[1])
        return Score({"done": float(done)}, feedback=None if done else f"Try again ({attempt}).")

    def outcome(self, episode: Episode, attempts: Sequence[Score]) -> Score:
        return last_attempt_outcome(attempts)


def bank(model: LoadedModel) -> VectorSet:
    generator = torch.Generator().manual_seed(5)
    return VectorSet(
        names=["calm", "desperate", "happy"],
        vectors=torch.randn(3, model.n_layers, model.d_model, generator=generator),
        layer_norms=torch.ones(model.n_layers),
        site=Site.resid_post,
        default_layer=default_layer(model.n_layers),
        provenance={"model_id": model.model_id, "weights_hash": model.weights_hash},
        reference_mean=torch.randn(model.n_layers, model.d_model, generator=generator),
    )


def plan(model: LoadedModel) -> SteeringPlan:
    return make_plan(bank(model), "desperate", [1], "all", "raw", Engine.hf)


def test_each_row_retries_until_its_task_stops_it_or_attempts_run_out(tiny: LoadedModel) -> None:
    task = RetryUntil(max_attempts=3)
    rows = [Row(e, s) for e in task.episodes() for s in (0.0, 1.0)]
    played = play(tiny, task, rows, plan(tiny), SETTINGS, seed=0)
    assert [len(p.attempts) for p in played] == [1, 1, 2, 2, 3, 3]
    assert sorted(task.seen) == sorted(
        [(f"stop-after-{k}", a) for k, n in ((1, 1), (2, 2), (5, 3)) for a in range(1, n + 1)] * 2
    )
    last = played[-1]
    roles = [m["role"] for m in last.conversation]
    assert roles == ["user", "assistant", "user", "assistant", "user"]
    assert last.conversation[2]["content"] == "Try again (1)."
    assert last.conversation[1]["content"] == last.attempts[0].reply.text


def test_the_first_attempt_is_the_plain_batched_generation(tiny: LoadedModel) -> None:
    task = RetryUntil(max_attempts=2)
    rows = [Row(e, s) for e in task.episodes() for s in (-1.0, 0.0, 1.0)]
    played = play(tiny, task, rows, plan(tiny), SETTINGS, seed=0)
    ids = [tiny.formatter.chat_ids(list(r.episode.messages)) for r in rows]
    direct = generate_rows(tiny, ids, [r.strength for r in rows], plan(tiny), SETTINGS, 0)
    assert [p.attempts[0].reply.tokens for p in played] == [d.tokens for d in direct]


def test_later_attempts_batched_equal_each_row_played_alone(tiny: LoadedModel) -> None:
    task = RetryUntil(max_attempts=3)
    rows = [Row(e, s) for e in task.episodes() for s in (0.0, 2.0)]
    together = play(tiny, task, rows, plan(tiny), SETTINGS, seed=0)
    alone = [play(tiny, task, [row], plan(tiny), SETTINGS, seed=0)[0] for row in rows]
    for a, b in zip(together, alone, strict=True):
        assert [x.reply.tokens for x in a.attempts] == [y.reply.tokens for y in b.attempts]


def test_readouts_equal_a_projection_computed_by_hand(tiny: LoadedModel) -> None:
    vectors = bank(tiny)
    reader = TranscriptReader(tiny, vectors, ("desperate", "calm"), layer=2, batch_size=2)
    pairs = [([1, 5, 9, 13], [20, 21]), ([1, 7], [30, 31, 32, 33]), ([1, 2, 3], [])]
    readings = reader.read(pairs)
    ref = HookRef(2, Site.resid_post)
    for (prompt, reply), reading in zip(pairs, readings, strict=True):
        with capturing(tiny, [ref]) as captured, torch.no_grad():
            run_decoder(tiny, [ref], torch.tensor([[*prompt, *reply]]))
        values = project(captured[ref][0], vectors, 2)  # columns: calm, desperate, happy
        assert abs(reading["prompt_last"]["desperate"] - float(values[len(prompt) - 1, 1])) < 1e-4
        assert abs(reading["prompt_last"]["calm"] - float(values[len(prompt) - 1, 0])) < 1e-4
        if reply:
            expected = float(values[len(prompt) :, 1].mean())
            assert abs(reading["reply_mean"]["desperate"] - expected) < 1e-4
        else:
            assert reading["reply_mean"]["desperate"] is None  # JSON null, not NaN


def test_a_reader_reads_at_the_banks_default_layer_unless_told_and_records_which(
    tiny: LoadedModel, tmp_path: Path
) -> None:
    vectors = bank(tiny)
    path = tmp_path / "bank.safetensors"
    vectors.save(path)
    unset = make_reader(tiny, str(path), ["desperate", "calm"], None)
    assert unset is not None and unset.layer == vectors.default_layer != 1
    chosen = make_reader(tiny, str(path), ["desperate"], 1)
    assert chosen is not None and chosen.layer == 1
    assert unset.record() == {
        "emotions": ["desperate", "calm"],
        "layer": vectors.default_layer,
        "site": "resid_post",
        "bank_digest": vectors.content_digest(),
    }


def test_every_attempt_of_a_played_row_carries_its_readouts(tiny: LoadedModel) -> None:
    task = RetryUntil(max_attempts=2)
    reader = TranscriptReader(tiny, bank(tiny), ("desperate",), layer=3)
    rows = [Row(task.episodes()[1], 0.5)]
    played = play(tiny, task, rows, plan(tiny), SETTINGS, seed=0, reader=reader)[0]
    records = [a.record() for a in played.attempts]
    assert [r["attempt"] for r in records] == [1, 2]
    assert all(set(r["readouts"]) == {"prompt_last", "reply_mean"} for r in records)
    # the second attempt reads a longer conversation, so its prompt state differs
    assert records[0]["readouts"]["prompt_last"] != records[1]["readouts"]["prompt_last"]
    # the record's steered_readout is the steered emotion read over the last reply
    own = steered_readout("desperate", played)
    assert own == records[-1]["readouts"]["reply_mean"]["desperate"]
    assert steered_readout("calm", played) is None  # not among the readouts
