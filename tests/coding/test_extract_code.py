"""The reply-to-code extractor on messy model replies."""

from __future__ import annotations

import ast

import pytest

from steer.coding.extract_code import extract_code

ADD = "def add(a, b):\n    return a + b\n"

# (id, reply, entry point, lines the extracted code must contain, lines it must not contain)
REPLIES = [
    ("python_fence", f"Here you go:\n```python\n{ADD}```\nDone.", "add", ["return a + b"], []),
    ("py_fence", f"```py\n{ADD}```", "add", ["def add(a, b):"], []),
    ("bare_fence", f"Sure!\n```\n{ADD}```", "add", ["def add(a, b):"], []),
    ("tilde_fence", f"~~~python\n{ADD}~~~\n", "add", ["def add(a, b):"], []),
    (
        "prefers_the_block_defining_the_entry_point",
        "First the idea:\n```python\nx = add(1, 2)\nprint(x)\n```\nAnd the code:\n"
        f"```python\n{ADD}```\n",
        "add",
        ["def add(a, b):"],
        ["print(x)"],
    ),
    (
        "last_revision_wins",
        f"```python\ndef add(a, b):\n    return a - b\n```\nOops, fixed:\n```python\n{ADD}```",
        "add",
        ["return a + b"],
        ["return a - b"],
    ),
    (
        "helpers_in_an_earlier_block_come_along",
        "A helper:\n```python\ndef _twice(x):\n    return 2 * x\n```\nThen:\n"
        "```python\ndef double_sum(a, b):\n    return _twice(a) + _twice(b)\n```\n",
        "double_sum",
        ["def _twice(x):", "def double_sum(a, b):"],
        [],
    ),
    (
        "skips_shell_and_output_blocks",
        f"Run:\n```bash\npython add.py\n```\n```python\n{ADD}```\n```text\n3\n```",
        "add",
        ["def add(a, b):"],
        ["python add.py"],
    ),
    (
        "no_entry_point_joins_all_python_blocks",
        "```python\nimport math\n```\n```python\nvalue = math.pi\n```",
        "add",
        ["import math", "value = math.pi"],
        [],
    ),
    ("unfenced_code_only", ADD, "add", ["def add(a, b):"], []),
    (
        "unfenced_with_prose_around",
        f"Sure! Here is my solution.\n\n{ADD}\nThis adds the two numbers and returns it.",
        "add",
        ["def add(a, b):", "return a + b"],
        ["Sure", "This adds"],
    ),
    (
        "def_embedded_in_prose_lines",
        "The function is below\ndef add(a, b):\n    total = a + b\n    return total\n"
        "I hope that helps! Let me know.",
        "add",
        ["total = a + b", "return total"],
        ["I hope"],
    ),
    (
        "indented_code",
        "Solution:\n\n    def add(a, b):\n        return a + b\n\nThat is all.",
        "add",
        ["def add(a, b):"],
        ["That is all"],
    ),
    (
        "fence_opened_mid_line_and_left_open",
        f"Code: ```python\n{ADD}",
        "add",
        ["def add(a, b):"],
        [],
    ),
    (
        "imports_before_prose_then_def",
        "import math\n\nNow the function:\ndef area(r):\n    return math.pi * r * r\n",
        "area",
        ["import math", "def area(r):"],
        ["Now the function"],
    ),
    (
        "fence_inside_a_list_item",
        "1. Define it:\n   ```python\n   def add(a, b):\n       return a + b\n   ```\n2. Call it.",
        "add",
        ["def add(a, b):"],
        [],
    ),
    (
        "doctest_prompts_are_stripped",
        "```python\n>>> def add(a, b):\n...     return a + b\n```",
        "add",
        ["def add(a, b):"],
        [">>>"],
    ),
    (
        "python3_language_tag_and_windows_newlines",
        "```python3\r\ndef add(a, b):\r\n    return a + b\r\n```",
        "add",
        ["def add(a, b):"],
        [],
    ),
]


@pytest.mark.parametrize(
    ("reply", "entry_point", "present", "absent"),
    [r[1:] for r in REPLIES],
    ids=[r[0] for r in REPLIES],
)
def test_the_code_is_extracted_from_a_messy_reply(
    reply: str, entry_point: str, present: list[str], absent: list[str]
) -> None:
    code = extract_code(reply, entry_point)
    assert code is not None
    ast.parse(code)
    lines = [line.strip() for line in code.splitlines()]
    for line in present:
        assert line in lines, f"{line!r} missing from {code!r}"
    for text in absent:
        assert text not in code


def test_a_bare_code_reply_is_returned_whole() -> None:
    assert extract_code(ADD, "add") == ADD


@pytest.mark.parametrize(
    "reply",
    [
        "",
        "I cannot help with that.",
        "Sure",
        "The tests look contradictory: [5, 5, 5] sums to 15, not 16.",
        "```bash\nls -la\n```",
        "Use a for loop: iterate over the list and add each element to a running total.",
    ],
)
def test_a_reply_without_code_gives_none(reply: str) -> None:
    assert extract_code(reply, "add") is None


def test_without_an_entry_point_every_python_block_is_kept() -> None:
    reply = "```python\ndef a():\n    return 1\n```\ntext\n```python\ndef b():\n    return 2\n```"
    code = extract_code(reply, None)
    assert code is not None
    assert "def a():" in code and "def b():" in code
