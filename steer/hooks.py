"""The vocabulary of where to steer: layers, hook sites and positions.

This is the only module that builds TransformerLens hook names or maps them onto plain
Hugging Face modules. Everything else asks it for a :class:`HookRef`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle

from steer.choices import Site
from steer.errors import SteerError
from steer.internals import hidden_states_argument

Side = Literal["input", "output"]


# Sites that sit on a plain Hugging Face decoder-layer boundary, so the fast engine can
# hook them with an ordinary torch hook: (which side of the layer, "input" or "output").
_PLAIN_MODULE_SIDE: dict[Site, Side] = {
    Site.resid_pre: "input",
    Site.resid_post: "output",
}


@dataclass(frozen=True)
class HookRef:
    """One place in the model: a block index and a site."""

    layer: int
    site: Site = Site.resid_post

    @property
    def name(self) -> str:
        """The TransformerLens hook name, e.g. ``blocks.20.hook_resid_post``."""
        return f"blocks.{self.layer}.hook_{self.site.value}"


@dataclass(frozen=True)
class PatternRef:
    """The attention pattern of one block: softmax weights ``[batch, head, query, key]``."""

    layer: int

    @property
    def name(self) -> str:
        """The TransformerLens hook name, e.g. ``blocks.20.attn.hook_pattern``."""
        return f"blocks.{self.layer}.attn.hook_pattern"


# Where each site is computed inside a block, in forward order.
_ORDER_IN_BLOCK: dict[Site, int] = {
    Site.resid_pre: 0,
    Site.attn_out: 1,
    Site.resid_mid: 2,
    Site.mlp_out: 3,
    Site.resid_post: 4,
}


def comes_no_later(first: HookRef, second: HookRef) -> bool:
    """Whether ``first`` is computed no later than ``second`` in a forward pass (so a hook
    reading ``first`` has run before one writing ``second``, given that at one hook point
    the reader is registered to run first)."""
    return (first.layer, _ORDER_IN_BLOCK[first.site]) <= (
        second.layer,
        _ORDER_IN_BLOCK[second.site],
    )


def check_pattern_names(hook_dict: dict[str, object], refs: Sequence[PatternRef]) -> None:
    """Refuse attention-pattern hooks the bridge does not have."""
    for ref in refs:
        if ref.name not in hook_dict:
            raise SteerError(
                f"hook point {ref.name} does not exist in this model, so its attention "
                "pattern cannot be read",
                "choose other inspect.layers, or a model whose bridge exposes attn.hook_pattern",
            )


def hook_name_pattern(site: Site) -> str:
    """How hook names at ``site`` read across layers, for provenance records."""
    return f"blocks.<layer>.hook_{site.value}"


def has_plain_module(site: Site) -> bool:
    return site in _PLAIN_MODULE_SIDE


def resolve_layers(layers: Sequence[int], n_layers: int) -> list[int]:
    """Check layer indices (negative ones count from the end) and return them non-negative."""
    if len(layers) == 0:
        raise SteerError("no steering layers given", "set steering.layers=[L] with 0 <= L < n")
    resolved = []
    for layer in layers:
        index = layer + n_layers if layer < 0 else layer
        if not 0 <= index < n_layers:
            raise SteerError(
                f"layer {layer} is out of range for a model with {n_layers} layers",
                f"choose layers from 0 to {n_layers - 1} (or -1 for the last)",
            )
        resolved.append(index)
    return resolved


def refs_for(layers: Sequence[int], site: Site, n_layers: int) -> list[HookRef]:
    return [HookRef(layer, site) for layer in resolve_layers(layers, n_layers)]


def decoder(model: nn.Module) -> nn.Module:
    """The decoder stack (embeddings, blocks, final norm) of a Hugging Face causal LM."""
    get_decoder = getattr(model, "get_decoder", None)
    found = get_decoder() if callable(get_decoder) else None
    if not isinstance(found, nn.Module):
        raise SteerError(
            f"{type(model).__name__} has no get_decoder() returning its decoder",
            "use a Hugging Face causal LM (Llama, Gemma, Qwen, ...) or steering.engine=bridge",
        )
    return found


def decoder_layers(model: nn.Module) -> nn.ModuleList:
    """The list of decoder blocks of a Hugging Face causal LM (Llama, Gemma, Qwen, ...)."""
    layers = getattr(decoder(model), "layers", None)
    if not isinstance(layers, nn.ModuleList):
        raise SteerError(
            f"cannot find the decoder layers of {type(model).__name__}",
            "use steering.engine=bridge, which works through TransformerLens hook points",
        )
    return layers


def final_norm(model: nn.Module) -> nn.Module:
    """The norm a Hugging Face decoder applies after its last block (``decoder.norm``)."""
    norm = getattr(decoder(model), "norm", None)
    if not isinstance(norm, nn.Module):
        raise SteerError(
            f"cannot find the final norm of {type(model).__name__} (decoder.norm)",
            "use a model whose decoder names its final norm `norm` (Llama, Gemma, Qwen, ...)",
        )
    return norm


def plain_module(model: nn.Module, ref: HookRef) -> tuple[nn.Module, Side]:
    """The plain module and side whose activation equals the hook point ``ref``."""
    side = _PLAIN_MODULE_SIDE.get(ref.site)
    if side is None:
        plain = ", ".join(s.value for s in _PLAIN_MODULE_SIDE)
        raise SteerError(
            f"site {ref.site.value} has no plain-module equivalent "
            f"(the fast engine supports {plain})",
            "set steering.engine=bridge to use any TransformerLens hook point",
        )
    return decoder_layers(model)[ref.layer], side


def check_hook_names(hook_dict: dict[str, object], refs: Sequence[HookRef]) -> None:
    """Refuse hook names the bridge does not have."""
    for ref in refs:
        if ref.name not in hook_dict:
            raise SteerError(
                f"hook point {ref.name} does not exist in this model",
                "choose other steering.layers, or vectors read at another site (vectors.site)",
            )


@contextmanager
def record_firing(modules: dict[HookRef, nn.Module]) -> Iterator[set[HookRef]]:
    """Record which of the given modules run during the block; used to refuse silent hooks."""
    fired: set[HookRef] = set()
    handles = []
    try:
        for ref, module in modules.items():

            def mark(*_args: object, _ref: HookRef = ref) -> None:
                fired.add(_ref)

            handles.append(module.register_forward_hook(mark))
        yield fired
    finally:
        for handle in handles:
            handle.remove()


def refuse_silent(refs: Sequence[HookRef], fired: set[HookRef]) -> None:
    silent = [ref.name for ref in refs if ref not in fired]
    if silent:
        raise SteerError(
            f"hook point(s) {', '.join(silent)} never fire during a forward pass",
            "choose a hook site the model actually computes",
        )


def output_tensor(output: object) -> torch.Tensor:
    """The hidden-state tensor of a module output (a tensor or a tuple starting with one)."""
    if isinstance(output, torch.Tensor):
        return output
    if isinstance(output, tuple) and output and isinstance(output[0], torch.Tensor):
        return output[0]
    raise TypeError(f"unexpected module output of type {type(output).__name__}")


def replace_output(output: object, hidden: torch.Tensor) -> object:
    if isinstance(output, torch.Tensor):
        return hidden
    assert isinstance(output, tuple)
    return (hidden, *output[1:])


ActivationFn = Callable[[torch.Tensor], torch.Tensor | None]


def attach(
    module: nn.Module,
    side: Side,
    fn: ActivationFn,
    prepend: bool = False,
) -> RemovableHandle:
    """Call ``fn`` on the hidden state entering (``input``) or leaving (``output``) ``module``.

    A tensor returned by ``fn`` replaces the activation (steering); ``None`` leaves it as it is
    (reading). The caller removes the returned handle.
    """
    if side == "output":

        def on_output(_module: nn.Module, _args: Any, output: Any) -> Any:
            new = fn(output_tensor(output))
            return None if new is None else replace_output(output, new)

        return module.register_forward_hook(on_output, prepend=prepend)

    def on_input(_module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        new = fn(hidden_states_argument(args, kwargs))
        if new is None:
            return None
        if args:
            return (new, *args[1:]), kwargs
        return args, {**kwargs, "hidden_states": new}

    return module.register_forward_pre_hook(on_input, with_kwargs=True, prepend=prepend)
