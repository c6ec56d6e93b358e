"""report.html in a real browser (headless chromium): the first section is the headline figure
and table, and the figure fits the first screen; the summary table and the side-by-side pairs
are in the DOM, a planted script stays text, and the page logs no console errors."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from steer.compare.cli import main as compare_main
from tests.helpers import PLANTED, write_task_run

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not on PATH")


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [
        CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
        "--enable-logging=stderr", "--v=0", *args,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A multi-attempt run whose steered reply to t1 carries a script, compared."""
    run_dir = tmp_path_factory.mktemp("browser") / "code"
    records = write_task_run(run_dir)
    for record in records:
        if record["prompt_id"] == "t1" and record["strength"] > 0:
            record["attempts"][-1]["text"] = f"{PLANTED}<img src=x onerror=alert(2)>"
    (run_dir / "generations.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    assert compare_main([str(run_dir)]) == 0
    return run_dir / "report.html"


@pytest.fixture(scope="module")
def rendered(
    report: Path, tmp_path_factory: pytest.TempPathFactory
) -> subprocess.CompletedProcess[str]:
    result = chromium(
        "--dump-dom", report.as_uri(), profile=tmp_path_factory.mktemp("chromium-profile")
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result


FIRST_SCREEN = (1366, 768)  # a laptop's screen (the page gets what the window frame leaves)
# Appended to a copy of the report (the report itself has no scripts): once the page has
# loaded, the headline figure's and table's boxes are written into the DOM for --dump-dom.
PROBE = """<script>
window.addEventListener("load", () => {
  const box = (q) => document.querySelector(q)?.getBoundingClientRect();
  const figure = box("#headline figure img"), table = box("#headline table.headline");
  document.body.dataset.probe = JSON.stringify({
    figure: figure && [figure.top, figure.bottom, figure.height],
    table: table && [table.top], height: window.innerHeight });
});
</script>"""


def test_the_first_section_is_the_headline_figure_then_its_table(
    rendered: subprocess.CompletedProcess[str],
) -> None:
    dom = rendered.stdout
    body = dom[dom.index("<body") :]
    first = re.search(r"<section\b([^>]*)>(.*?)</section>", body, re.S)
    assert first is not None and 'id="headline"' in first.group(1)
    before = body[: first.start()]
    assert "<figure" not in before and "<table" not in before  # only the title and contents
    section = first.group(2)
    figure, table = section.find("<figure"), section.find('<table class="headline"')
    assert 0 <= figure < table
    assert '<img src="data:image/png;base64,' in section[figure:table]
    assert "dose_cheated" in section[figure:table]  # impossible_code: pass and cheat rates
    rows = re.findall(r'<th class="metric">(\w+)', section[table:])
    assert rows[:2] == ["passed", "cheated"]  # the headline metrics lead the compact table
    assert "Δ +0.833" in section[table:]  # passed: 1 at +0.5 against 1/6 at 0


def test_the_headline_figure_fits_the_first_screen(
    report: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    probe = report.with_name("probe.html")
    probe.write_text(report.read_text().replace("</body>", PROBE + "</body>"))
    width, height = FIRST_SCREEN
    result = chromium(
        f"--window-size={width},{height}", "--dump-dom", probe.as_uri(),
        profile=tmp_path_factory.mktemp("chromium-probe"),
    )  # fmt: skip
    found = re.search(r'data-probe="([^"]*)"', result.stdout)
    assert found is not None, result.stderr[-2000:]
    boxes = json.loads(html.unescape(found.group(1)))
    top, bottom, drawn = boxes["figure"]
    assert drawn > 200  # the image is drawn at its size, not collapsed
    assert top > 0 and bottom <= boxes["height"], boxes  # wholly on the first screen
    assert boxes["table"][0] > top  # the compact table follows it


def test_the_dom_holds_the_summary_table_with_rows(
    rendered: subprocess.CompletedProcess[str],
) -> None:
    table = re.search(r'<table id="summary">.*?</table>', rendered.stdout, re.S)
    assert table is not None
    body = table.group(0).split("<tbody>", 1)[1]
    assert body.count("<tr") >= 8  # 2 strengths x (cheated, passed, attempts, n_tokens, ...)


def test_the_dom_holds_a_pair_per_prompt(rendered: subprocess.CompletedProcess[str]) -> None:
    assert rendered.stdout.count('class="pair"') == 6
    assert 'class="diff-del"' in rendered.stdout and 'class="diff-ins"' in rendered.stdout


def test_the_planted_script_and_image_stay_text(
    rendered: subprocess.CompletedProcess[str],
) -> None:
    dom = rendered.stdout
    assert "<script" not in dom and '<img src="x"' not in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert "&lt;img src=x onerror=alert(2)&gt;" in dom


def test_the_page_logs_no_console_errors(
    rendered: subprocess.CompletedProcess[str], report: Path
) -> None:
    console = [line for line in rendered.stderr.splitlines() if ":CONSOLE" in line]
    assert not [line for line in console if report.name in line], console
