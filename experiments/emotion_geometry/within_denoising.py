"""The "Denoising against the texts' own scatter" table of experiments/emotion_geometry/README.md.

    .venv/bin/python experiments/emotion_geometry/within_denoising.py

Every row is a bank built by `steer.extraction.extract` (per-text means from the activation cache
that `steer extract experiment=emotion_geometry` fills) and scored as `steer validate` scores it:
readout layer = the layer of the best held-out probe top-1 over all held-out stimuli; the
probe at that layer per source of the held-out texts (the validation's topic split), the same
probe with each of the 10 topics held out in turn (leave-one-topic-out: every story is a test
story once, 680 shipped and 340 by the other writers), the cross-source benchmark and its
bag-of-words baseline, and the dose templates. About 4 min per row on 2 cores, from the cache.
"""

from __future__ import annotations

from collections import defaultdict

import torch

from steer.activations import TokenWindow
from steer.choices import Site
from steer.extraction.pipeline import ExtractionSettings, extract
from steer.extraction.story_means import story_means
from steer.models.loaded import LoadedModel
from steer.models.loaders import load_smollm2
from steer.readouts import mean_readouts
from steer.stimuli.shipped import shipped_neutral, shipped_story_emotions
from steer.stimuli.sources import ShippedStimuli
from steer.stimuli.story import Story
from steer.validation.bag_of_words import BASELINES
from steer.validation.cross_source import cross_source_report
from steer.validation.probe import ProbeResult, TopicSplit, held_out_probe, split_topics
from steer.validation.report import readout_choice

REGISTERS_QUARTER = (("registers", 0.25),)
ALL = ("shipped", "more_stories", "registers")
ROWS: list[tuple[str, tuple[str, ...], tuple[tuple[str, float], ...], int]] = [
    ("stories only, neutral denoising (published before)", ("shipped",), (), 0),
    ("stories only, + 5 within-emotion components", ("shipped",), (), 5),
    ("all texts, each counted once", ALL, (), 0),
    ("all texts, register texts 0.25", ALL, REGISTERS_QUARTER, 0),
    ("all texts, register texts 0.25, + 3 within", ALL, REGISTERS_QUARTER, 3),
    ("all texts, register texts 0.25, + 5 within (default)", ALL, REGISTERS_QUARTER, 5),
    ("all texts, register texts 0.25, + 8 within", ALL, REGISTERS_QUARTER, 8),
]
HEADER = (
    "| training texts | readout layer | probe (split) shipped / other writers | probe "
    "(leave-one-topic-out) shipped / other writers | cross-source dev | test | bag of words "
    "(test) | dose rising |"
)


def score_row(
    model: LoadedModel,
    every: list[Story],
    means: torch.Tensor,
    name: str,
    sources: tuple[str, ...],
    settings: ExtractionSettings,
) -> str:
    emotions = list(shipped_story_emotions())
    stories = [s for s in every if s.source in sources]
    ext = extract(model, stories, shipped_neutral(), emotions, settings, name)
    labels, topics = [s.emotion for s in every], [s.topic for s in every]
    source_of = [s.source for s in every]
    outside = [s not in sources for s in source_of]
    weights, within = settings.text_weights(every), settings.within_components

    def probe(split: TopicSplit) -> ProbeResult:
        return held_out_probe(means, labels, topics, emotions, ext.neutral, split, weights,
                              within, outside)  # fmt: skip

    validation_split = split_topics(topics, 0.3, 0)
    # the readout layer as validation picks it: from the bank's own held-out texts only
    own = held_out_probe(ext.story_means, [s.emotion for s in stories],
                         [s.topic for s in stories], emotions, ext.neutral, validation_split,
                         ext.text_weights, within)  # fmt: skip
    layer = readout_choice(own.by_layer(), ext.bank.default_layer, 50)["layer"]
    by_source = probe(validation_split).by_source(source_of, layer)
    right: dict[str, list[bool]] = defaultdict(list)
    for topic in sorted(set(topics)):
        fold = probe(TopicSplit(tuple(sorted(set(topics) - {topic})), (topic,)))
        for row, rank in zip(fold.test_rows, fold.true_rank[layer].tolist(), strict=True):
            right[source_of[row]].append(rank == 0)
    loto = {k: sum(v) / len(v) for k, v in right.items()}
    report = cross_source_report(
        lambda t: mean_readouts(model, ext.bank, t, layer).double().numpy(),
        emotions, [s.text for s in stories], [s.emotion for s in stories], {"layer": layer},
    )  # fmt: skip
    dev, test = report["accuracy"]["dev"], report["accuracy"]["test"]
    bow = max((report["bag_of_words"][b]["test"] for b in BASELINES), key=lambda b: b["top1"])
    return (
        f"| {name} | {layer} | {by_source['shipped']['top1']:.2f} / "
        f"{by_source['more_stories']['top1']:.2f} | {loto['shipped']:.3f} / "
        f"{loto['more_stories']:.3f} | {dev['top1']:.2f} / {dev['top3']:.2f} | "
        f"{test['top1']:.2f} / {test['top3']:.2f} | {bow['top1']:.2f} / {bow['top3']:.2f} | "
        f"{report['dose']['n_rising']} |"
    )


def main() -> None:
    model = load_smollm2()
    every = ShippedStimuli(registers=True, more_stories=True).stories(
        model, list(shipped_story_emotions())
    )
    means = story_means(model, every, Site.resid_post, TokenWindow(50), 8)
    print(HEADER, flush=True)
    for name, sources, weights, within in ROWS:
        settings = ExtractionSettings(source_weights=weights, within_components=within)
        print(score_row(model, every, means, name, sources, settings), flush=True)


if __name__ == "__main__":
    main()
