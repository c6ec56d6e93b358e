"""`steer sandbox CODE_FILE TESTS_FILE` prints the verdict as JSON; bad input is a SteerError."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from steer.errors import SteerError
from steer.sandbox.cli import main
from tests.sandbox.sandbox_helpers import ADD, CHECK_ADD, IMPOSSIBLE_ADD


def _files(tmp_path: Path, tests: str) -> list[str]:
    code, test_file = tmp_path / "solution.py", tmp_path / "tests.py"
    code.write_text(ADD)
    test_file.write_text(tests)
    return [str(code), str(test_file)]


@pytest.mark.parametrize(
    ("tests", "passed"), [(CHECK_ADD, True), (IMPOSSIBLE_ADD, False)], ids=["passing", "failing"]
)
def test_the_command_prints_the_verdict_as_json_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], tests: str, passed: bool
) -> None:
    argv = [*_files(tmp_path, tests), "--entry-point", "add", "--timeout", "5"]
    assert main(argv) == 0
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["passed"] is passed
    assert verdict["status"] == ("pass" if passed else "fail")


def test_a_missing_file_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(SteerError) as raised:
        main([str(tmp_path / "nope.py"), str(tmp_path / "tests.py")])
    assert raised.value.one_line().startswith("error: code file ")
    assert "nope.py does not exist" in raised.value.one_line()


def test_tests_that_do_not_parse_are_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(SteerError, match="the test file does not parse"):
        main(_files(tmp_path, "def check(:\n"))
