"""The choices a config names, declared once.

The config schemas (``steer.cli.schema``) type their keys with these enums, so a bad value
fails when the config is composed, naming the choices; the library takes the members as they
are (a plain string from Python code is turned into one with ``Site("resid_post")`` and the
like). Member names are the values users type and the values saved configs and records hold.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Engine", "Positions", "Site", "Unit"]


class Site(StrEnum):
    """Where in a block a vector is read or added."""

    resid_pre = "resid_pre"
    resid_mid = "resid_mid"
    resid_post = "resid_post"
    attn_out = "attn_out"
    mlp_out = "mlp_out"


class Positions(StrEnum):
    """Which tokens are steered: every one, the prompt's (prefill) or the generated ones."""

    all = "all"
    prompt = "prompt"
    generated = "generated"


class Unit(StrEnum):
    """norm: a strength is a fraction of the layer's mean residual norm; raw: the vector as is."""

    norm = "norm"
    raw = "raw"


class Engine(StrEnum):
    """hf: plain torch hooks on a weight-sharing Hugging Face view; bridge: TransformerLens."""

    hf = "hf"
    bridge = "bridge"
