"""The one error type users see: a problem and its fix, printed as one line."""

from __future__ import annotations

EXIT_USAGE = 2


class SteerError(Exception):
    """Bad input from the user: shown as one line (`error: <problem>; <fix>`), exit code 2."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(f"{problem}; {fix}")
        self.problem = problem
        self.fix = fix

    def one_line(self) -> str:
        return f"error: {self.problem}; {self.fix}".replace("\n", " ")
