"""The register-text table of experiments/emotion_geometry/README.md, reproduced.

    .venv/bin/python experiments/emotion_geometry/register_subsets.py

Rebuilds SmolLM2 banks from subsets of the shipped stories + register texts (per-text means
from the activation cache that `steer extract experiment=emotion_geometry
stimuli.registers=true` fills; without it the first call reads all 1,224 texts, about 20 min on 2
cores), scores each on the cross-source benchmark at readout layer 15, and scores the held-out
probe on the held-out topics' shipped stories only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

from steer.extraction.pipeline import ExtractionSettings, centred, emotion_means, extract
from steer.models.loaders import load_smollm2
from steer.readouts import mean_readouts
from steer.stimuli.shipped import REGISTERS, shipped_neutral, shipped_story_emotions
from steer.stimuli.sources import ShippedStimuli
from steer.validation.cross_source import cross_source_report
from steer.validation.probe import held_out_accuracy, split_topics

READOUT_LAYER = 15
STYLES = ("sentence", "dialogue", "diary", "news")


def main() -> None:
    model = load_smollm2()
    emotions = list(shipped_story_emotions())
    stories = ShippedStimuli(registers=True).stories(model, emotions)
    extraction = extract(model, stories, shipped_neutral(), emotions, ExtractionSettings(), "x")
    split = split_topics([s.topic for s in stories], 0.3, 0)
    kind = {
        (r["emotion"], r["text"]): (r["style"], r["writer"])
        for r in map(json.loads, REGISTERS.read_text().splitlines())
    }
    story = ("story", "")
    texts = [kind[s.emotion, s.text] if s.source == "registers" else story for s in stories]
    styles = [style for style, _ in texts]

    def score(keep: Callable[[str, str], bool], label: str) -> None:
        kept = [i for i, text in enumerate(texts) if keep(*text)]
        labels = [stories[i].emotion for i in kept]
        raw = emotion_means(extraction.story_means[kept], labels, emotions)
        bank = replace(
            extraction.bank,
            vectors=extraction.subspace.project_out(centred(raw)),
            reference_mean=raw.mean(dim=0),
        )
        report = cross_source_report(
            lambda texts: mean_readouts(model, bank, texts, READOUT_LAYER).double().numpy(),
            emotions,
            [stories[i].text for i in kept],
            labels,
            {"layer": READOUT_LAYER},
        )
        probed = [i for i in kept if stories[i].topic in split.train or styles[i] == "story"]
        probe = held_out_accuracy(
            extraction.story_means[probed],
            [stories[i].emotion for i in probed],
            [stories[i].topic for i in probed],
            emotions,
            extraction.subspace,
            split,
        )
        test, dev = report["accuracy"]["test"], report["accuracy"]["dev"]
        words = report["bag_of_words"]["tfidf_centroids"]["test"]
        rising = sum(t["rho"] > 0 for t in report["dose"]["templates"].values())
        kinds = {k: f"{v['top1']:.2f}/{v['top3']:.2f}" for k, v in report["by_style_test"].items()}
        has_probe = any(styles[i] == "story" for i in probed)
        probe_text = f"{probe[15]['top1']:.2f}/{probe[20]['top1']:.2f}" if has_probe else "-"
        print(
            f"{label:32s} test {test['top1']:.2f}/{test['top3']:.2f} "
            f"dev {dev['top1']:.2f}/{dev['top3']:.2f} bow {words['top1']:.2f}/{words['top3']:.2f} "
            f"dose {rising} probe@15/20 {probe_text} | {kinds}",
            flush=True,
        )

    score(lambda style, writer: True, "stories + both writers' texts")
    score(lambda style, writer: writer != "a", "stories + writer b's texts")
    score(lambda style, writer: style != "story", "both writers' texts only")
    score(lambda style, writer: writer != "b", "stories + writer a's texts")
    score(lambda style, writer: style == "story", "stories only")
    score(lambda style, writer: writer == "a", "writer a's texts only")
    for held_out in STYLES:
        score(
            lambda style, writer, h=held_out: writer != "b" and style != h,
            f"... without {held_out}",
        )


if __name__ == "__main__":
    main()
