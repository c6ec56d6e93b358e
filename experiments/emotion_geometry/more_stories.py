"""The "Stories by two more writers" table of experiments/emotion_geometry/README.md.

    .venv/bin/python experiments/emotion_geometry/more_stories.py

Per-text means of the shipped stories + register texts come from the activation cache that
`steer extract experiment=emotion_geometry stimuli.registers=true` fills; the 340 stories of
steer/data/stimuli/more_stories get cache entries of their own, so nothing already cached is
read again (about 6 min for them on 2 cores). The held-out probe (readout layer 15, the
validation's topic split) is scored separately on the held-out topics' shipped stories and on
their stories by the two other writers; the cross-source benchmark as in `steer validate`.
"""
from __future__ import annotations

import sys
from dataclasses import replace

import torch

from steer.activations import TokenWindow
from steer.extraction.pipeline import ExtractionSettings, centred, emotion_means, extract
from steer.extraction.story_means import story_means
from steer.hooks import Site
from steer.models.loaders import load_smollm2
from steer.readouts import mean_readouts
from steer.stimuli.shipped import load_more_stories, shipped_neutral, shipped_story_emotions
from steer.stimuli.sources import ShippedStimuli
from steer.validation.cross_source import cross_source_report
from steer.validation.probe import split_topics

L = 15
model = load_smollm2()
emotions = list(shipped_story_emotions())
old = ShippedStimuli(registers=True).stories(model, emotions)
ext = extract(model, old, shipped_neutral(), emotions, ExtractionSettings(), "x")
new = load_more_stories(emotions)
new_means = story_means(model, new, Site.resid_post, TokenWindow(50), 8)
stories = list(old) + new
means = torch.cat([ext.story_means, new_means])
labels = [s.emotion for s in stories]
kind = ["register" if s.source == "registers" else ("new" if s.source == "more_stories" else "story") for s in stories]
split = split_topics([s.topic for s in old], 0.3, 0)
sub = ext.subspace
truth_rows = {k: [i for i, s in enumerate(stories) if s.topic in split.test and kind[i] == k] for k in ("story", "new")}

def probe(train):
    raw = emotion_means(means[train], [labels[i] for i in train], emotions)
    vec = sub.project_out(centred(raw))
    out = []
    for k, rows in truth_rows.items():
        if not rows:
            continue
        q = sub.project_out(means[rows] - raw.mean(0, keepdim=True))
        t = torch.tensor([emotions.index(labels[i]) for i in rows])
        v = torch.nn.functional.normalize(vec[:, L], dim=-1)
        r = (torch.nn.functional.normalize(q[:, L], dim=-1) @ v.T).argsort(-1, descending=True)
        out.append(f"{k} {(r[:, 0] == t).float().mean():.2f}/{(r[:, :3] == t[:, None]).any(1).float().mean():.2f} (n {len(rows)})")
    return " ".join(out)

def score(keep, name, cross=True):
    train = [i for i, s in enumerate(stories) if keep(kind[i]) and s.topic in split.train]
    line = f"{name:38s} probe@{L} {probe(train)}"
    if cross:
        rows = [i for i in range(len(stories)) if keep(kind[i])]
        raw = emotion_means(means[rows], [labels[i] for i in rows], emotions)
        bank = replace(ext.bank, vectors=sub.project_out(centred(raw)), reference_mean=raw.mean(0))
        rep = cross_source_report(lambda t: mean_readouts(model, bank, t, L).double().numpy(), emotions,
                                  [stories[i].text for i in rows], [labels[i] for i in rows], {"layer": L})
        te, dv = rep["accuracy"]["test"], rep["accuracy"]["dev"]
        bow = rep["bag_of_words"]["tfidf_centroids"]["test"]
        rising = sum(t["rho"] > 0 for t in rep["dose"]["templates"].values())
        line += f" | dev {dv['top1']:.2f}/{dv['top3']:.2f} test {te['top1']:.2f}/{te['top3']:.2f} bow {bow['top1']:.2f}/{bow['top3']:.2f} dose {rising}"
    print(line, flush=True)

only_probe = "--probe-only" in sys.argv
score(lambda k: k == "story", "stories only (published)", cross=False)
score(lambda k: k in ("story", "new"), "stories + new stories", not only_probe)
score(lambda k: k in ("story", "register"), "stories + registers", cross=False)
score(lambda k: True, "stories + new stories + registers", not only_probe)
