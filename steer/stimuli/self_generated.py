"""Stories the loaded model writes itself, and neutral dialogues it answers itself.

As in the paper, the model writes one-paragraph stories in which a character feels an emotion
without naming it, over topics x stories per topic. A reply that contains a forbidden word
(:func:`steer.stimuli.forbidden.forbidden_words_in`) or has fewer than ``min_words`` words is
rejected and its slot generated again, up to ``max_attempts`` times; a slot that never succeeds
is skipped with a warning.

Cache: ``cache_root()/stories/<key>/`` where ``<key>`` hashes the model weights, the prompt
template and every setting (:func:`story_cache_dir`). It holds ``settings.json`` (what the key
stands for), ``<emotion>.jsonl`` (one accepted story per line: topic, slot index, narrator,
attempt, text), ``rejected/<emotion>.jsonl`` (every rejected attempt and why) and
``stats.json`` (accepted, rejected and failed counts per emotion). Neutral dialogues live the
same way under ``cache_root()/neutral/<key>/``. Records are appended and flushed one by one.

Batching and seeds: :func:`steer.generation.generate_rows` seeds a whole batch with one seed, so
this module uses one seed per batch, derived from ``settings.seed``, the attempt number and the
keys (emotion, topic, slot index) of the batch's slots, and makes the batch composition
deterministic. Attempts run in rounds, one emotion at a time: round ``a`` holds, in canonical
order (topic, then slot index), every slot whose attempts ``1..a-1`` were all rejected, cut into
batches of ``batch_size``. The accepted and rejected logs say exactly which slots belong to which
round, so a resumed run rebuilds the same batches, skips those already recorded and regenerates
a partly recorded batch whole (writing only its missing rows). A resumed run therefore gives
every slot the story an uninterrupted run would give it, and an emotion's stories do not depend
on which other emotions were asked for in the same call.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from steer.errors import SteerError
from steer.generation import generate_rows
from steer.generation_settings import GenerationSettings
from steer.json_files import RecordWriter, read_records, write_json
from steer.models.cache import cache_root
from steer.models.loaded import LoadedModel
from steer.models.prompts import Message
from steer.progress import progress as show_progress
from steer.resources import content_hash
from steer.stimuli.emotions import resolve_emotions
from steer.stimuli.forbidden import forbidden_words_in
from steer.stimuli.shipped import shipped_topics
from steer.stimuli.story import Story

__all__ = [
    "NARRATORS",
    "NEUTRAL_QUESTIONS",
    "STORY_PROMPT",
    "StoryGenerationSettings",
    "clean_reply",
    "generate_neutral_dialogues",
    "generate_stories",
    "neutral_cache_dir",
    "story_cache_dir",
]

log = logging.getLogger(__name__)

# Bump when the cleaning or acceptance rules change, so old caches are not reused.
CACHE_VERSION = 1

STORY_PROMPT = (
    "Write one short story of about {words} words, as a single paragraph, about this "
    "situation: {topic}. Tell it {narrator}. A character in the story feels {emotion}. Show "
    "that feeling only through what the character does, how their body reacts, what they say "
    'and what they think. Never use the word "{emotion}" or any direct synonym of it, and never '
    "name the feeling. Reply with the story only: no title, no introduction, no comment after it."
)

# The {narrator} slot of STORY_PROMPT; slots alternate between the two within and across topics.
NARRATORS: dict[str, str] = {
    "first": "in the first person, as the character who feels it (I, me, my)",
    "third": "in the third person (he, she or they)",
}

NEUTRAL_QUESTIONS = (
    "Situation: {topic}. What practical steps are usually involved? Answer factually, in one "
    "paragraph of about {words} words.",
    "Situation: {topic}. What rules, costs or paperwork typically apply? Answer factually, in "
    "one paragraph of about {words} words.",
    "Situation: {topic}. How is this usually handled, step by step? Answer factually, in one "
    "paragraph of about {words} words.",
    "Situation: {topic}. What facts should the people involved check first? Answer factually, "
    "in one paragraph of about {words} words.",
)


@dataclass(frozen=True)
class StoryGenerationSettings:
    """How stories (and neutral answers) are sampled; every field is part of the cache key."""

    topics: tuple[str, ...] | None = None  # None: the shipped topics
    stories_per_topic: int = 2
    words: int = 120
    max_new_tokens: int = 220
    temperature: float = 0.9
    top_p: float = 0.95
    max_attempts: int = 4  # generations per story slot before giving up on that slot
    min_words: int = 40  # shorter replies are rejected
    batch_size: int = 8
    seed: int = 0

    def __post_init__(self) -> None:
        if self.topics is not None:  # a list from a config becomes a tuple
            object.__setattr__(self, "topics", tuple(str(t) for t in self.topics))
        positive = ("stories_per_topic", "words", "max_new_tokens", "max_attempts", "batch_size")
        for name in positive:
            if getattr(self, name) < 1:
                raise SteerError(
                    f"stimuli.{name} must be at least 1", f"set stimuli.{name}=1 or more"
                )
        if self.min_words < 0:
            raise SteerError("stimuli.min_words is negative", "set stimuli.min_words=0 or more")
        if not self.temperature > 0:
            raise SteerError("stimuli.temperature must be above 0", "set e.g. 0.9")
        if not 0 < self.top_p <= 1:
            raise SteerError("stimuli.top_p must be in (0, 1]", "set e.g. 0.95")
        if self.topics is not None:
            _check_topics(self.topics)

    def resolved_topics(self) -> tuple[str, ...]:
        return self.topics if self.topics is not None else shipped_topics()

    def generation(self) -> GenerationSettings:
        return GenerationSettings(
            max_new_tokens=self.max_new_tokens,
            do_sample=True,
            temperature=self.temperature,
            top_p=self.top_p,
            batch_size=self.batch_size,
        )


def _check_topics(topics: Sequence[str]) -> None:
    if not topics or any(not topic.strip() for topic in topics):
        raise SteerError("the topic list is empty or has an empty topic", "give non-empty topics")
    if len(set(topics)) != len(topics):
        raise SteerError("a topic is listed twice", "list each topic once")


# ---------------------------------------------------------------- cleaning replies

_ACK = r"(?:sure|certainly|of course|okay|ok|absolutely|alright)"
_INTRO = re.compile(rf"^(?:{_ACK}\W*)?(?:here(?:'s|’s| is| you go)|below is)\b", re.IGNORECASE)
_ACK_ONLY = re.compile(rf"^{_ACK}\W*$", re.IGNORECASE)
_TITLE = re.compile(r"^(?:#+\s.*|\*\*[^*]+\*\*:?|\*[^*]+\*|_[^_]+_|(?:title|story)\s*:.*)$", re.I)
_OUTRO = re.compile(r"^(?:i hope|hope you|this story|note:|\(?word count|let me know)", re.I)
_SEPARATOR = re.compile(r"^(?:-{3,}|\*{3,}|_{3,})$")
_QUOTES = {'"': '"', "“": "”", "'": "'"}
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)]*")


def clean_reply(text: str) -> str:
    """The story inside a reply: leading "Here is a story:" lines, markdown titles, separators,
    trailing comments and quotes around the whole text are removed."""
    lines = [line.strip() for line in text.strip().splitlines()]
    while lines:
        first = lines[0]
        if not first or _TITLE.match(first) or _SEPARATOR.match(first) or _ACK_ONLY.match(first):
            lines.pop(0)
        elif _INTRO.match(first):
            _, colon, rest = first.partition(":")
            end = _SENTENCE_END.search(first)
            if colon and rest.strip():
                lines[0] = rest.strip()
            elif len(first.split()) > 25 and end is not None:  # the story goes on in this line
                lines[0] = first[end.end() :].strip()
            else:
                lines.pop(0)
        elif first.endswith(":") and len(first.split()) <= 12:
            lines.pop(0)
        else:
            break
    while lines and (not lines[-1] or _OUTRO.match(lines[-1]) or _SEPARATOR.match(lines[-1])):
        lines.pop()
    story = "\n".join(lines).strip()
    if len(story) >= 2 and story[0] in _QUOTES:
        opening, closing = story[0], _QUOTES[story[0]]
        inner = story[1:-1]
        if story.endswith(closing) and opening not in inner and closing not in inner:
            story = inner.strip()
    return story


def _complete_sentences(text: str) -> str:
    """A reply cut at ``max_new_tokens`` loses its unfinished last sentence (if another ends)."""
    ends = list(_SENTENCE_END.finditer(text))
    return text[: ends[-1].end()].strip() if ends else text


# ---------------------------------------------------------------- the resumable slot filler


@dataclass(frozen=True)
class _Slot:
    group: str  # the emotion, or "neutral"
    topic: str
    index: int  # slot index within its topic
    prompt: str
    extra: dict[str, str] = field(default_factory=dict)  # written with the accepted record

    @property
    def id(self) -> tuple[str, int]:
        return (self.topic, self.index)


Check = Callable[[str], tuple[str, str] | None]  # text -> (reason, detail) when rejected


@dataclass
class _Filled:
    accepted: dict[tuple[str, int], dict[str, Any]]
    stats: dict[str, int]
    failed: list[tuple[str, int]]


def _batch_seed(seed: int, group: str, attempt: int, batch: Sequence[_Slot]) -> int:
    keys = [[slot.topic, slot.index] for slot in batch]
    return int(content_hash([seed, group, attempt, keys]), 16) >> 1


def _fill(
    model: LoadedModel,
    slots: Sequence[_Slot],
    check: Check,
    settings: StoryGenerationSettings,
    accepted_path: Path,
    rejected_path: Path,
    progress: Any,
) -> _Filled:
    """Generate every slot of one group (one emotion) until accepted or out of attempts."""
    accepted: dict[tuple[str, int], dict[str, Any]] = {}
    for record in read_records(accepted_path):
        accepted.setdefault((record["topic"], record["index"]), record)
    rejected: dict[tuple[str, int], dict[int, str]] = {}
    for record in read_records(rejected_path):
        tries = rejected.setdefault((record["topic"], record["index"]), {})
        tries[record["attempt"]] = record["reason"]

    def all_rejected(slot: _Slot, attempts: int) -> bool:
        """Attempts 1..``attempts`` of the slot were all made and rejected."""
        tries = rejected.get(slot.id, {})
        return all(a in tries for a in range(1, attempts + 1))

    def attempted(slot: _Slot, attempt: int) -> bool:
        record = accepted.get(slot.id)
        if record is not None and record["attempt"] == attempt:
            return True
        return attempt in rejected.get(slot.id, {})

    def failed(slot: _Slot) -> bool:
        return slot.id not in accepted and all_rejected(slot, settings.max_attempts)

    progress.update(sum(1 for slot in slots if slot.id in accepted or failed(slot)))
    generation = settings.generation()
    with RecordWriter(accepted_path) as keep, RecordWriter(rejected_path) as drop:
        for attempt in range(1, settings.max_attempts + 1):
            # round `attempt`: every slot whose earlier attempts were all rejected, in order
            in_round = [slot for slot in slots if all_rejected(slot, attempt - 1)]
            for start in range(0, len(in_round), settings.batch_size):
                batch = in_round[start : start + settings.batch_size]
                todo = {slot.id for slot in batch if not attempted(slot, attempt)}
                if not todo:
                    continue
                rows = generate_rows(
                    model,
                    [model.formatter.chat_ids([_user(slot.prompt)]) for slot in batch],
                    [0.0] * len(batch),
                    None,
                    generation,
                    _batch_seed(settings.seed, batch[0].group, attempt, batch),
                )
                for slot, row in zip(batch, rows, strict=True):
                    if slot.id not in todo:
                        continue
                    text = clean_reply(row.text)
                    if row.finish_reason == "length":
                        text = _complete_sentences(text)
                    base = {"topic": slot.topic, "index": slot.index, "attempt": attempt}
                    problem = check(text)
                    if problem is None:
                        record = {**base, **slot.extra, "text": text}
                        keep.write(record)
                        accepted[slot.id] = record
                        progress.update(1)
                        continue
                    reason, detail = problem
                    drop.write({**base, "reason": reason, "detail": detail, "text": text})
                    rejected.setdefault(slot.id, {})[attempt] = reason
                    if attempt == settings.max_attempts:
                        progress.update(1)
    reasons = Counter(reason for slot in slots for reason in rejected.get(slot.id, {}).values())
    failures = [slot.id for slot in slots if failed(slot)]
    stats = {
        "slots": len(slots),
        "accepted": sum(1 for slot in slots if slot.id in accepted),
        "rejected": sum(reasons.values()),
        **{f"rejected_{reason}": count for reason, count in sorted(reasons.items())},
        "failed": len(failures),
    }
    return _Filled(accepted, stats, failures)


def _user(content: str) -> Message:
    return {"role": "user", "content": content}


def _too_short(text: str, min_words: int) -> tuple[str, str] | None:
    words = len(text.split())
    return ("too_short", f"{words} words") if words < max(min_words, 1) else None


def _warn_failed(group: str, failures: Sequence[tuple[str, int]], attempts: int) -> None:
    if failures:
        shown = "; ".join(f"{topic!r} #{index}" for topic, index in failures[:5])
        more = f" and {len(failures) - 5} more" if len(failures) > 5 else ""
        log.warning(
            "%s: %d slot(s) got no acceptable reply in %d attempts and are skipped: %s%s",
            group,
            len(failures),
            attempts,
            shown,
            more,
        )


def _prepare(directory: Path, description: dict[str, Any]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    if not (directory / "settings.json").is_file():
        write_json(directory / "settings.json", description)


def _update_stats(directory: Path, updates: dict[str, dict[str, int]]) -> None:
    path = directory / "stats.json"
    stats = {**_read_json(path), **updates}
    write_json(path, dict(sorted(stats.items())))


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


# ---------------------------------------------------------------- stories


def _settings_dict(settings: StoryGenerationSettings) -> dict[str, Any]:
    values = asdict(settings)
    values["topics"] = list(settings.resolved_topics())
    return values


def _story_description(model: LoadedModel, settings: StoryGenerationSettings) -> dict[str, Any]:
    return {
        "kind": "stories",
        "cache_version": CACHE_VERSION,
        "weights_hash": model.weights_hash,
        "prompt": STORY_PROMPT,
        "narrators": NARRATORS,
        "settings": _settings_dict(settings),
    }


def story_cache_dir(model: LoadedModel, settings: StoryGenerationSettings) -> Path:
    """``cache_root()/stories/<key>``: the key hashes the weights, the prompt and the settings."""
    return cache_root() / "stories" / content_hash(_story_description(model, settings))


def _narrator(topic_index: int, index: int) -> str:
    return ("first", "third")[(topic_index + index) % 2]


def generate_stories(
    model: LoadedModel, emotions: Sequence[str], settings: StoryGenerationSettings
) -> list[Story]:
    """Stories the model writes for each emotion, topic and slot (cached, resumable).

    Returned per emotion, then topic, then slot; slots that never gave an acceptable story are
    missing (a warning names them and ``stats.json`` counts them).
    """
    names = resolve_emotions(emotions)
    topics = settings.resolved_topics()
    directory = story_cache_dir(model, settings)
    _prepare(directory, {"model_id": model.model_id, **_story_description(model, settings)})
    log.info("self-generated stories: %s", directory)
    per_topic = settings.stories_per_topic
    stories: list[Story] = []
    stats: dict[str, dict[str, int]] = {}
    total = len(names) * len(topics) * per_topic
    with show_progress(total=total, desc="writing stories", unit="story", logger=log) as progress:
        for emotion in names:
            slots = [
                _Slot(
                    emotion,
                    topic,
                    index,
                    STORY_PROMPT.format(
                        words=settings.words,
                        topic=topic,
                        narrator=NARRATORS[_narrator(t, index)],
                        emotion=emotion,
                    ),
                    {"emotion": emotion, "narrator": _narrator(t, index)},
                )
                for t, topic in enumerate(topics)
                for index in range(per_topic)
            ]

            def check(text: str, emotion: str = emotion) -> tuple[str, str] | None:
                found = forbidden_words_in(text, emotion)
                if found:
                    return ("forbidden", ", ".join(found))
                return _too_short(text, settings.min_words)

            filled = _fill(
                model,
                slots,
                check,
                settings,
                directory / f"{emotion}.jsonl",
                directory / "rejected" / f"{emotion}.jsonl",
                progress,
            )
            _warn_failed(emotion, filled.failed, settings.max_attempts)
            stats[emotion] = filled.stats
            for slot in slots:
                record = filled.accepted.get(slot.id)
                if record is not None:
                    stories.append(
                        Story(
                            emotion,
                            slot.topic,
                            record["text"],
                            record["narrator"],
                            "self_generated",
                        )
                    )
    _update_stats(directory, stats)
    return stories


# ---------------------------------------------------------------- neutral dialogues


def _neutral_description(
    model: LoadedModel, topics: Sequence[str], per_topic: int, settings: StoryGenerationSettings
) -> dict[str, Any]:
    values = asdict(settings)
    del values["topics"], values["stories_per_topic"]  # the explicit arguments replace them
    return {
        "kind": "neutral",
        "cache_version": CACHE_VERSION,
        "weights_hash": model.weights_hash,
        "questions": list(NEUTRAL_QUESTIONS),
        "topics": list(topics),
        "per_topic": per_topic,
        "settings": values,
    }


def neutral_cache_dir(
    model: LoadedModel, topics: Sequence[str], per_topic: int, settings: StoryGenerationSettings
) -> Path:
    """``cache_root()/neutral/<key>``: keyed by weights, question templates, topics, settings."""
    description = _neutral_description(model, topics, per_topic, settings)
    return cache_root() / "neutral" / content_hash(description)


def generate_neutral_dialogues(
    model: LoadedModel,
    topics: Sequence[str],
    per_topic: int,
    settings: StoryGenerationSettings,
) -> list[list[Message]]:
    """User/assistant pairs: a plain factual question on each topic and the model's answer.

    ``settings.topics`` and ``settings.stories_per_topic`` are not used (``topics`` and
    ``per_topic`` are); answers shorter than ``settings.min_words`` are regenerated. Cached and
    resumable like :func:`generate_stories`.
    """
    topics = [str(topic) for topic in topics]
    _check_topics(topics)
    if per_topic < 1:
        raise SteerError("per_topic must be at least 1", "ask for one dialogue per topic or more")
    directory = neutral_cache_dir(model, topics, per_topic, settings)
    description = _neutral_description(model, topics, per_topic, settings)
    _prepare(directory, {"model_id": model.model_id, **description})
    log.info("self-generated neutral dialogues: %s", directory)
    slots = []
    for t, topic in enumerate(topics):
        for index in range(per_topic):
            template = NEUTRAL_QUESTIONS[(t + index) % len(NEUTRAL_QUESTIONS)]
            question = template.format(topic=topic, words=settings.words)
            slots.append(_Slot("neutral", topic, index, question, {"question": question}))
    with show_progress(
        total=len(slots), desc="writing neutral answers", unit="answer", logger=log
    ) as progress:
        filled = _fill(
            model,
            slots,
            lambda text: _too_short(text, settings.min_words),
            settings,
            directory / "dialogues.jsonl",
            directory / "rejected.jsonl",
            progress,
        )
    _warn_failed("neutral", filled.failed, settings.max_attempts)
    _update_stats(directory, {"neutral": filled.stats})
    dialogues: list[list[Message]] = []
    for slot in slots:
        record = filled.accepted.get(slot.id)
        if record is not None:
            dialogues.append(
                [_user(record["question"]), {"role": "assistant", "content": record["text"]}]
            )
    return dialogues
