"""The pure parts of `steer inspect`: the anomaly rule, the settings and the token labels."""

from __future__ import annotations

import math

import pytest
from omegaconf import OmegaConf

from steer.choices import Site
from steer.cli.config_errors import compose_config
from steer.errors import SteerError
from steer.hooks import HookRef
from steer.inspect.anomaly import SeriesKey, flag_series, max_reachable_z, z_outliers
from steer.inspect.attention import shown_tokens
from steer.inspect.labels import plot_safe
from steer.inspect.settings import (
    first_attention_reading,
    inspect_settings,
    steered_strength,
)


def noisy_set(n: int = 12) -> dict[str, float]:
    return {f"p{i:02d}": 1.0 + 0.01 * math.sin(i) for i in range(n)}


def test_a_planted_outlier_is_flagged_with_its_value_z_mean_and_std() -> None:
    values = {**noisy_set(), "p05": 3.0}
    [outlier] = z_outliers(values, threshold=2.0)
    finite = list(values.values())
    mean = sum(finite) / len(finite)
    std = math.sqrt(sum((v - mean) ** 2 for v in finite) / len(finite))  # population std
    assert outlier.item == "p05" and outlier.value == 3.0
    assert outlier.mean == pytest.approx(mean) and outlier.std == pytest.approx(std)
    assert outlier.z == pytest.approx((3.0 - mean) / std)
    assert outlier.z > 2


def test_a_low_outlier_is_flagged_with_a_negative_z() -> None:
    [outlier] = z_outliers({**noisy_set(), "p03": -1.0}, threshold=2.0)
    assert outlier.item == "p03" and outlier.z < -2


def test_nothing_in_a_constant_set_is_flagged() -> None:
    assert z_outliers(dict.fromkeys("abcdefgh", 0.1), threshold=2.0) == []
    assert z_outliers(dict.fromkeys("abcdefgh", 0.0), threshold=0.01) == []
    assert z_outliers(dict.fromkeys("abcdefgh", 1e12 / 3), threshold=0.01) == []


def test_nan_values_are_left_out_and_never_flagged() -> None:
    values = {**noisy_set(), "p05": 3.0, "gone": math.nan, "inf": math.inf}
    assert [o.item for o in z_outliers(values, threshold=2.0)] == ["p05"]
    assert z_outliers({"a": 1.0, "b": math.nan}, threshold=0.1) == []


def test_no_z_can_exceed_the_square_root_of_n_minus_one() -> None:
    for n in (2, 5, 6, 20):
        values = {f"p{i}": 0.0 for i in range(n - 1)} | {"outlier": 1.0}
        extreme = abs(z_outliers(values, threshold=0.0)[0].z)
        assert extreme == pytest.approx(max_reachable_z(n))
    five = {f"p{i}": 0.0 for i in range(4)} | {"outlier": 1.0}
    assert z_outliers(five, threshold=2.0) == []  # |z| = 2 exactly is not beyond 2


def test_flags_carry_the_series_and_come_largest_first() -> None:
    norm = SeriesKey("steered", "reply_mean", "norm", 3)
    calm = SeriesKey("baseline", "prompt_last", "readout", 2, "calm")
    flags = flag_series(
        [(norm, {**noisy_set(), "p01": 2.0}), (calm, {**noisy_set(), "p07": 9.0})], 2.0
    )
    assert [(f.key, f.outlier.item) for f in flags] == [(calm, "p07"), (norm, "p01")]
    record = flags[0].record()
    assert {k: record[k] for k in ("prompt_id", "kind", "layer", "emotion", "value")} == {
        "prompt_id": "p07", "kind": "readout", "layer": 2, "emotion": "calm", "value": 9.0,
    }  # fmt: skip
    assert set(record) == {
        "prompt_id", "condition", "span", "kind", "layer", "emotion", "value", "z", "mean", "std",
    }  # fmt: skip


def test_the_steered_strength_is_the_largest_in_size_positive_on_a_tie() -> None:
    assert steered_strength([-0.1, 0.0, 0.1], None) == 0.1
    assert steered_strength([-0.25, 0.1], None) == -0.25
    assert steered_strength([0.1], 0.05) == 0.05
    with pytest.raises(SteerError, match="no nonzero strength"):
        steered_strength([0.0], None)
    with pytest.raises(SteerError, match="baseline itself"):
        steered_strength([0.1], 0.0)


def test_by_default_attention_is_drawn_where_the_vector_is_first_read() -> None:
    post, pre = HookRef(20, Site.resid_post), HookRef(20, Site.resid_pre)
    assert first_attention_reading([post], 30) == (21,)
    assert first_attention_reading([pre], 30) == (20,)
    assert first_attention_reading([HookRef(29)], 30) == (29,)
    assert first_attention_reading([HookRef(3), HookRef(4, Site.resid_pre)], 30) == (4,)


def settings_node(**changes: object):
    node = compose_config(["debug=tiny"], config_name="inspect").inspect
    for key, value in changes.items():
        OmegaConf.update(node, key, value)
    return node


def test_the_inspect_config_composes_with_its_documented_defaults() -> None:
    settings = inspect_settings(settings_node(), [-0.1, 0, 0.1], [HookRef(2)], 4, 4)
    assert settings.attention_layers == (3,) and settings.heads == (0, 1, 2, 3)
    assert settings.strength == 0.1 and settings.reply == "steered"
    assert settings.z_threshold == 2.0 and settings.max_tokens == 40
    assert settings.flag_layers == (2,)  # the steering layer


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"heads": [9]}, r"inspect.heads holds head 9, out of range for 4 heads per layer; "),
        ({"layers": [7]}, r"inspect.layers holds layer 7, out of range for a model with 4 layers"),
        ({"flag_layers": [-9]}, r"inspect.flag_layers holds layer -9"),
        ({"heads": []}, r"inspect.heads is empty"),
        ({"max_tokens": 1}, r"inspect.max_tokens must be from 2 to 120"),
        ({"z_threshold": 0}, r"inspect.z_threshold must be positive"),
    ],
)
def test_bad_inspect_settings_are_refused_in_one_line(changes, message) -> None:
    with pytest.raises(SteerError, match=message) as error:
        inspect_settings(settings_node(**changes), [0.1], [HookRef(2)], 4, 4)
    assert "\n" not in error.value.one_line()


def test_negative_layers_count_from_the_end_and_many_heads_are_capped() -> None:
    node = settings_node(layers=[-1, 3], max_heads=2)
    settings = inspect_settings(node, [0.1], [HookRef(2)], 4, 9)
    assert settings.attention_layers == (3,) and settings.heads == (0, 1)


def test_a_mistyped_inspect_key_fails_when_the_config_is_composed() -> None:
    with pytest.raises(SteerError, match=r"unknown config key 'inspect.max_tokenz'.*max_tokens"):
        compose_config(["inspect.max_tokenz=3"], config_name="inspect")
    with pytest.raises(SteerError, match=r"inspect\.reply"):
        compose_config(["inspect.reply=both"], config_name="inspect")


def test_long_texts_show_their_last_tokens_and_say_so() -> None:
    window = shown_tokens(100, 40)
    assert (window.start, window.end, window.note()) == (60, 100, "last 40 of 100 tokens")
    assert shown_tokens(12, 40).note() == "all 12 tokens"


def test_token_labels_are_drawn_as_they_are() -> None:
    assert plot_safe("a\nb") == "a\\nb"
    assert plot_safe("$5") == r"\$5"  # no mathtext
    assert plot_safe(" ") == "' '"
    assert plot_safe("abcdefghijklmnopqrstuvwxyz") == "abcdefghijk…"


def test_prompt_ids_that_share_a_figure_name_are_refused() -> None:
    from steer.inspect.drawing import refuse_clashing_file_names

    refuse_clashing_file_names(["a", "b", "a.b"])
    with pytest.raises(SteerError, match="same figure name"):
        refuse_clashing_file_names(["a/b", "a_b"])


def test_too_many_heads_or_tokens_for_a_readable_figure_are_refused() -> None:
    from steer.inspect.settings import MAX_HEADS_PER_FIGURE, check_heads

    assert check_heads(None, 4, 9) == (0, 1, 2, 3)
    with pytest.raises(SteerError, match="at most"):
        check_heads(list(range(MAX_HEADS_PER_FIGURE + 1)), 4, 32)
    with pytest.raises(SteerError, match="max_heads"):
        check_heads(None, MAX_HEADS_PER_FIGURE + 1, 32)
