"""Long work reports progress in the log when there is no terminal to draw a bar on."""

from __future__ import annotations

import logging

import pytest

from steer.progress import LoggedProgress, progress


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_without_a_terminal_progress_is_logged_every_interval_and_at_the_end(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = logging.getLogger("test.progress")
    clock = Clock()
    bar = LoggedProgress(None, 10, "extracting", "emotion", 2, logger, 60.0, clock)
    with caplog.at_level(logging.INFO, logger="test.progress"), bar:
        clock.now = 30.0
        bar.update(2)  # within the interval: nothing logged yet
        clock.now = 61.0
        bar.update(2)
        clock.now = 90.0
        bar.update(4)
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "extracting: 6/10 emotions (60%), 1 min 01 s elapsed, about 1 min 01 s left",
        "extracting: 10/10 emotions (100%), 1 min 30 s elapsed",
    ]


def test_work_shorter_than_the_interval_logs_nothing_and_yields_every_item(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = logging.getLogger("test.progress")
    with caplog.at_level(logging.INFO, logger="test.progress"):
        items = list(progress(["a", "b", "c"], desc="inspecting", unit="prompt", logger=logger))
    assert items == ["a", "b", "c"]  # pytest's stderr is no terminal: the logged form
    assert caplog.records == []


def test_the_end_is_logged_once_after_iterating(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.progress")
    clock = Clock()
    bar = LoggedProgress(["a", "b"], None, "rows", "row", 0, logger, 60.0, clock)
    with caplog.at_level(logging.INFO, logger="test.progress"):
        for _ in bar:
            clock.now += 61.0
        bar.close()
    assert [r.getMessage() for r in caplog.records] == [
        "rows: 1 rows, 1 min 01 s elapsed",
        "rows: 2 rows, 2 min 02 s elapsed",
    ]


def test_a_last_update_that_was_logged_is_not_logged_again_on_close(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = logging.getLogger("test.progress")
    clock = Clock()
    bar = LoggedProgress(None, 4, "impossible_code", "row", 0, logger, 60.0, clock)
    with caplog.at_level(logging.INFO, logger="test.progress"), bar:
        clock.now = 61.0
        bar.update(2)
        clock.now = 122.0
        bar.update(2)  # the last rows arrive after an interval: logged here, not again on exit
    assert [r.getMessage() for r in caplog.records] == [
        "impossible_code: 2/4 rows (50%), 1 min 01 s elapsed, about 1 min 01 s left",
        "impossible_code: 4/4 rows (100%), 2 min 02 s elapsed",
    ]


def test_nothing_done_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.progress")
    with caplog.at_level(logging.INFO, logger="test.progress"):
        list(progress([], desc="x", unit="row", logger=logger))
    assert caplog.records == []


def test_units_are_pluralised_in_english(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.progress")
    clock = Clock()
    lines = []
    for unit in ("story", "day", "emotion"):
        bar = LoggedProgress(None, 4, "writing", unit, 0, logger, 60.0, clock)
        clock.now += 61.0
        with caplog.at_level(logging.INFO, logger="test.progress"):
            bar.update(2)
        lines.append(caplog.records[-1].getMessage().split(" (")[0])
    assert lines == ["writing: 2/4 stories", "writing: 2/4 days", "writing: 2/4 emotions"]
