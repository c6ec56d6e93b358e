"""A set of named steering vectors at every layer, with the norms and provenance they need."""

from __future__ import annotations

import hashlib
import json
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from steer.choices import Site
from steer.errors import SteerError
from steer.json_files import dumps
from steer.models.loaded import LoadedModel
from steer.user_files import require_file

FORMAT_VERSION = 1


@dataclass
class VectorSet:
    """``vectors[i, layer]`` is the vector named ``names[i]`` read at ``site`` of ``layer``.

    ``layer_norms[layer]`` is the mean residual-stream norm at that layer on a reference text
    set: the unit of the ``norm`` strength. ``provenance`` says which model, hook, data and
    method made the vectors.
    """

    names: list[str]
    vectors: torch.Tensor
    layer_norms: torch.Tensor
    site: Site
    default_layer: int
    provenance: dict[str, Any] = field(default_factory=dict)
    # Mean activation on neutral text per layer [n_layers, d_model]; readouts subtract it.
    reference_mean: torch.Tensor | None = None

    def __post_init__(self) -> None:
        if self.vectors.ndim != 3 or self.vectors.shape[0] != len(self.names):
            raise ValueError("vectors must be [n_names, n_layers, d_model]")
        if self.layer_norms.shape != (self.vectors.shape[1],):
            raise ValueError("layer_norms must be [n_layers]")

    @property
    def n_layers(self) -> int:
        return int(self.vectors.shape[1])

    @property
    def d_model(self) -> int:
        return int(self.vectors.shape[2])

    def content_digest(self) -> str:
        """Identifies the vectors themselves (names, site, values), not when they were made."""
        digest = hashlib.blake2b(digest_size=16)
        digest.update(json.dumps([self.names, self.site.value, self.default_layer]).encode())
        for tensor in (self.vectors, self.layer_norms):
            digest.update(tensor.detach().float().contiguous().numpy().data)
        return digest.hexdigest()

    def vector(self, name: str) -> torch.Tensor:
        """The [n_layers, d_model] vector for ``name``."""
        if name not in self.names:
            shown = ", ".join(self.names[:12]) + (" ..." if len(self.names) > 12 else "")
            raise SteerError(f"unknown vector {name!r}", f"choose one of: {shown}")
        return self.vectors[self.names.index(name)]

    def check_compatible(self, model: LoadedModel) -> None:
        """Refuse a vector set made on another model, naming what differs."""
        made_with = self.provenance.get("model_id", "an unknown model")
        fix = f"re-make the vectors with this model, or load the model they came from ({made_with})"
        if self.d_model != model.d_model:
            raise SteerError(
                f"vector width {self.d_model} does not match the model's width {model.d_model}",
                fix,
            )
        if self.n_layers != model.n_layers:
            raise SteerError(
                f"vectors cover {self.n_layers} layers but the model has {model.n_layers}", fix
            )
        made_hash = self.provenance.get("weights_hash")
        if made_hash is not None and made_hash != model.weights_hash:
            raise SteerError(
                f"vectors were made on weights {str(made_hash)[:12]} ({made_with}), "
                f"not on the loaded weights {model.weights_hash[:12]} ({model.model_id})",
                fix,
            )

    def save(self, path: Path) -> None:
        """Write ``path`` (safetensors) and its JSON sidecar ``path.with_suffix('.json')``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tensors = {
            "vectors": self.vectors.contiguous().float(),
            "layer_norms": self.layer_norms.contiguous().float(),
        }
        if self.reference_mean is not None:
            tensors["reference_mean"] = self.reference_mean.contiguous().float()
        save_file(tensors, str(path))
        sidecar_path = path.with_suffix(".json")
        sidecar = {
            "format_version": FORMAT_VERSION,
            "names": self.names,
            "site": self.site.value,
            "default_layer": self.default_layer,
            "n_layers": self.n_layers,
            "d_model": self.d_model,
            "provenance": self.provenance,
        }
        sidecar_path.write_text(dumps(sidecar, indent=2) + "\n", encoding="utf-8")
        # safetensors creates its file private (0600); give it the sidecar's mode (the umask's),
        # so a bank published into a shared cache is readable wherever its sidecar is.
        path.chmod(stat.S_IMODE(sidecar_path.stat().st_mode))

    def check_values(self, source: str, fix: str) -> None:
        """Refuse NaN or infinite vectors, layer norms that are not positive (``unit=norm``
        would steer by nothing) and a default layer outside the set; ``source`` names where the
        set came from."""
        for name, values in zip(self.names, self.vectors, strict=True):
            bad = (~torch.isfinite(values)).any(dim=-1).nonzero()
            if len(bad):
                raise SteerError(
                    f"{source} holds NaN or infinite values (vector {name!r} at layer "
                    f"{int(bad[0])}): every reply, the baseline's too, would be empty",
                    fix,
                )
        norms = self.layer_norms
        bad_norms = (~torch.isfinite(norms) | (norms <= 0)).nonzero()
        if len(bad_norms):
            layer = int(bad_norms[0])
            raise SteerError(
                f"{source} has layer_norms that are not positive numbers (layer {layer}: "
                f"{float(norms[layer])!r}): steering.unit=norm would add nothing",
                fix,
            )
        if self.reference_mean is not None and not torch.isfinite(self.reference_mean).all():
            raise SteerError(f"{source} has a reference_mean with NaN or infinite values", fix)
        if not 0 <= self.default_layer < self.n_layers:
            raise SteerError(
                f"{source} names default_layer {self.default_layer}, out of range for its "
                f"{self.n_layers} layers",
                f"set default_layer in its .json sidecar to a layer from 0 to "
                f"{self.n_layers - 1}, or {fix}",
            )

    @classmethod
    def load(cls, path: Path, option: str = "vectors.path") -> VectorSet:
        """The vector set in ``path`` and its sidecar; ``option`` is what the user set to name
        it (``vectors.path``, ``--bank``), for the messages."""
        sidecar_path = path.with_suffix(".json")
        hint = "a .safetensors file with its .json sidecar beside it"
        require_file(path, "vector file", f"check {option} ({hint})")
        require_file(sidecar_path, "vector sidecar", f"check {option} ({hint})")
        fix = "re-create it with `steer extract` or the contrast vectors"
        try:
            sidecar = json.loads(sidecar_path.read_text(encoding="utf-8"))
            tensors = load_file(str(path))
            loaded = cls(
                names=list(sidecar["names"]),
                vectors=tensors["vectors"],
                layer_norms=tensors["layer_norms"],
                site=Site(sidecar["site"]),
                default_layer=int(sidecar["default_layer"]),
                provenance=dict(sidecar.get("provenance", {})),
                reference_mean=tensors.get("reference_mean"),
            )
        except Exception as error:  # safetensors raises its own error type for damaged files
            raise SteerError(
                f"vector file {path} is damaged or not a steer vector set ({error})", fix
            ) from None
        loaded.check_values(f"vector file {path}", fix)
        return loaded


def load_checked(model: LoadedModel, path: str) -> VectorSet:
    """A saved vector set (``vectors=file vectors.path=...``), checked against the model: a
    ``.safetensors`` set with its sidecar, or a GGUF control vector (llama.cpp, repeng,
    ``steer export``)."""
    file = Path(path).expanduser()
    if file.suffix == ".gguf":
        from steer.vectors.gguf_import import load_control_vector_set

        vectors = load_control_vector_set(model, file)
    else:
        vectors = VectorSet.load(file, "vectors.path")
    vectors.check_compatible(model)
    return vectors
