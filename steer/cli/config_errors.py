"""Checking command-line overrides before Hydra runs, and saying in one line what is wrong."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Sequence

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException, MissingConfigException, OverrideParseException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from steer.cli.conf_dir import conf_dir
from steer.cli.schema import register_schemas
from steer.config_values import refuse_non_finite
from steer.errors import SteerError

CONFIG_ERRORS = (HydraException, OmegaConfBaseException, ValueError)


def _compose(overrides: Sequence[str], config_name: str = "config") -> DictConfig:
    register_schemas()
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(str(conf_dir()), version_base="1.3"):
            return compose(config_name, overrides=list(overrides), return_hydra_config=False)
    finally:
        GlobalHydra.instance().clear()


def compose_config(overrides: Sequence[str], config_name: str = "config") -> DictConfig:
    """Compose the run config as ``steer run`` would, or raise a one-line SteerError."""
    try:
        return _compose(overrides, config_name)
    except CONFIG_ERRORS as error:
        raise explain(error, overrides, config_name) from None


# Where Hydra looks for config groups: a task YAML of the user's own (`task=mine
# hydra.searchpath=[file://my_conf]`) exists only with it, so it is composed like steer's keys.
SEARCHPATH = "hydra.searchpath"


def _hydra_only(override: str) -> bool:
    """A ``hydra.*`` override that does not change the job's config (``hydra.run.dir``, ...)."""
    key = override.lstrip("+~")
    return key.startswith("hydra") and not key.startswith(SEARCHPATH)


def _valid_keys(parent: str, overrides: Sequence[str], config_name: str) -> str:
    """The keys under ``parent`` in the config the user chose (group choices kept)."""
    groups = {path.name for path in conf_dir().iterdir() if path.is_dir()} | {SEARCHPATH}
    choices = [o for o in overrides if o.lstrip("+~").split("=", 1)[0] in groups]
    try:
        base = _compose(choices, config_name)
        node = OmegaConf.select(base, parent) if parent else base
    except CONFIG_ERRORS:
        return ""
    if isinstance(node, DictConfig):
        return ", ".join(str(k) for k in node if not str(k).startswith("_"))
    return ""


def _show_config(config_name: str) -> str:
    """The command that prints the composed config a ``config_name`` belongs to."""
    command = "run" if config_name == "config" else config_name
    return f"`steer {command} --cfg job`"


def explain(error: Exception, overrides: Sequence[str], config_name: str = "config") -> SteerError:
    message = str(error)
    if isinstance(error, MissingConfigException):
        group = re.search(r"Could not find '([^/']+)/([^']+)'", message)
        options = re.findall(r"^\t(\S+)$", message, flags=re.MULTILINE)
        options = [o for o in options if not o.startswith("base_")]
        if group:
            return SteerError(
                f"unknown {group.group(1)} {group.group(2)!r}",
                f"choose one of: {', '.join(options)}, or a YAML of your own in DIR/"
                f"{group.group(1)}/ with hydra.searchpath=[file://DIR]"
                if options
                else "check the config name",
            )
    if isinstance(error, OverrideParseException):
        return SteerError(
            f"cannot parse the override ({message.splitlines()[0]})", "write key=value"
        )
    cause = error.__cause__ or error
    key_match = re.search(r"full_key: (\S+)", str(cause)) or re.search(
        r"Could not override '([^']+)'", message
    )
    key = key_match.group(1) if key_match else "?"
    first = str(cause).splitlines()[0]
    if "not in struct" in str(cause) or ("Key '" in first and "not" in first):
        parent = key.rsplit(".", 1)[0] if "." in key else ""
        valid = _valid_keys(parent, overrides, config_name)
        where = f" under {parent}" if parent else ""
        fix = f"valid keys{where}: {valid}" if valid else f"see {_show_config(config_name)}"
        return SteerError(f"unknown config key {key!r}", fix)
    return SteerError(
        f"invalid value for {key!r}: {first}",
        f"see {_show_config(config_name)} for the expected types",
    )


def sweep_variants(overrides: Sequence[str]) -> list[list[str]]:
    """One override list per sweep value (others at their first value), so every value is
    composed once without composing every combination."""
    parsed = OverridesParser.create().parse_overrides(list(overrides))
    choices: list[list[str]] = []
    for override in parsed:
        key = override.get_key_element()
        if override.is_sweep_override():
            values = [f"{key}={value}" for value in override.sweep_string_iterator()]
        else:
            values = [override.input_line or f"{key}={override.get_value_element_as_str()}"]
        choices.append(values)
    base = [values[0] for values in choices]
    variants = [base]
    for position, values in enumerate(choices):
        for value in values[1:]:
            variants.append([*base[:position], value, *base[position + 1 :]])
    return variants


def refuse_missing(cfg: DictConfig) -> None:
    """A required value left as ``???`` (``model.name`` of model=hf, ``vectors.path``)."""
    missing = sorted(OmegaConf.missing_keys(cfg))
    if missing:
        raise SteerError(
            f"{missing[0]} has no value", f"set it on the command line: {missing[0]}=..."
        )


# Keys that choose the same thing two ways: giving both would silently ignore the first.
EXCLUSIVE = (("task.prompts", "task.path"),)


def refuse_exclusive(overrides: Sequence[str]) -> None:
    """``task.prompts=[...]`` and ``task.path=FILE`` together: one of them would be ignored."""
    given = {}
    for override in overrides:
        key, _, value = override.lstrip("+~").partition("=")
        given[key.strip()] = value.strip()
    for first, second in EXCLUSIVE:
        if first in given and given.get(second, "null") not in ("null", ""):
            raise SteerError(
                f"both {first} and {second} are given; only {second} would be used",
                f"give one of them (drop {first}=... or {second}=...)",
            )


# Launchers whose packages are optional: the override, the module it needs, how to install it.
OPTIONAL_LAUNCHERS = {
    "hydra/launcher=ray": ("hydra_plugins.hydra_ray_launcher", "pip install 'steer[ray]'"),
}


def check_launcher(overrides: Sequence[str]) -> None:
    """A launcher whose package is missing is named, with the install command."""
    for override in overrides:
        needed = OPTIONAL_LAUNCHERS.get(override.replace(" ", ""))
        if needed is not None and importlib.util.find_spec(needed[0]) is None:
            raise SteerError(
                f"{override} needs {needed[0].split('.')[-1].replace('_', '-')}, which is not "
                "installed",
                f"{needed[1]} (make setup installs it)",
            )


def check_overrides(overrides: Sequence[str], config_name: str = "config") -> None:
    """Refuse unknown keys, groups, bad and missing values in one line, before Hydra starts.

    Sweeps Hydra expands itself (``glob(...)``) are left to Hydra.
    """
    check_launcher(overrides)
    own = [o for o in overrides if not _hydra_only(o)]
    refuse_exclusive(own)
    if any("glob(" in o for o in own):
        return
    try:
        OverridesParser.create().parse_overrides(list(overrides))  # hydra.* syntax too
        variants = sweep_variants(own)
    except OverrideParseException as error:
        raise explain(error, overrides, config_name) from None
    for variant in variants:
        cfg = compose_config(variant, config_name)
        refuse_missing(cfg)
        refuse_non_finite(cfg)
