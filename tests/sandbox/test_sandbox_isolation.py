"""What a program can reach: not the files outside its directory, not the caller's environment,
not the network. And how the sandbox refuses to run, or warns, without bubblewrap."""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path

import pytest

from steer.errors import SteerError
from steer.sandbox import SandboxLimits, run_tests
from tests.sandbox.sandbox_helpers import ADD, BOTH_MODES, CHECK_ADD, requires_bwrap

LIMITS = SandboxLimits(wall_s=8)

VANDAL = """
import os, shutil
def attempt(what, action):
    try:
        action()
        print("DID", what)
    except OSError as error:
        print("refused", what, error.strerror)
attempt("delete the sentinel", lambda: os.remove({sentinel!r}))
attempt("write next to it", lambda: open({beside!r}, "w").write("x"))
attempt("delete its directory", lambda: shutil.rmtree({directory!r}))
attempt("write to /tmp", lambda: open("/tmp/{marker}", "w").write("x"))
attempt("write to the root", lambda: open("/{marker}", "w").write("x"))
attempt("replace the tests", lambda: open("/sandbox/tests.py", "w").write("pass"))
attempt("delete the interpreter", lambda: os.remove("/usr/bin/python3"))
attempt("read the host's users", lambda: open("/etc/passwd").read())
attempt("read the host's project", lambda: open({readme!r}).read())
attempt("write in its own directory", lambda: open("mine.txt", "w").write("x"))
attempt("write to /dev/null", lambda: open("/dev/null", "w").write("x"))
"""


@requires_bwrap
def test_a_program_cannot_write_or_delete_outside_its_directory(
    tmp_path: Path, marker: str
) -> None:
    sentinel = tmp_path / "sentinel.txt"
    sentinel.write_text("keep me")
    program = VANDAL.format(
        sentinel=str(sentinel),
        beside=str(tmp_path / "new.txt"),
        directory=str(tmp_path),
        marker=marker,
        readme=str(Path(__file__).resolve().parents[2] / "README.md"),
    )
    verdict = run_tests(program + ADD, CHECK_ADD, LIMITS, entry_point="add")
    assert verdict.passed, verdict
    assert sentinel.read_text() == "keep me"
    assert sorted(tmp_path.iterdir()) == [sentinel]
    assert not Path("/tmp", marker).exists() and not Path("/", marker).exists()
    done = {line for line in verdict.stdout.splitlines() if line.startswith("DID")}
    # only its own directory, the sandbox's private /tmp (a tmpfs gone after the run), /dev/null
    assert done == {"DID write in its own directory", "DID write to /tmp", "DID write to /dev/null"}


@pytest.mark.parametrize("isolation", BOTH_MODES)
def test_a_program_cannot_read_the_callers_environment(
    isolation: str, marker: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_TOKEN", marker)
    program = (
        "import os\n"
        "print(dict(os.environ))\n"
        "for pid in [*os.listdir('/proc'), str(os.getppid())]:\n"
        "    try:\n"
        "        print(open(f'/proc/{pid}/environ', 'rb').read())\n"
        "    except (OSError, ValueError):\n"
        "        pass\n" + ADD
    )
    verdict = run_tests(program, CHECK_ADD, LIMITS, isolation, entry_point="add")
    assert verdict.passed, verdict
    assert marker not in verdict.stdout + verdict.stderr
    assert "'PATH'" in verdict.stdout and "SECRET_TOKEN" not in verdict.stdout


NETWORK = """
import socket
for host, port in [("127.0.0.1", {port}), ("1.1.1.1", 53), ("8.8.8.8", 443)]:
    try:
        with socket.create_connection((host, port), timeout=1) as connection:
            connection.sendall(b"{marker}")
            print("CONNECTED", host)
    except OSError as error:
        print("refused", host, error.strerror)
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as datagram:
    try:
        datagram.sendto(b"{marker}", ("127.0.0.1", {udp_port}))
    except OSError as error:
        print("refused udp", error.strerror)
try:
    socket.getaddrinfo("example.com", 80)
    print("RESOLVED")
except OSError as error:
    print("refused dns", error.strerror)
"""


@requires_bwrap
def test_a_program_cannot_open_connections(marker: str) -> None:
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver,
    ):
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        receiver.bind(("127.0.0.1", 0))
        receiver.setblocking(False)
        program = NETWORK.format(
            port=listener.getsockname()[1], udp_port=receiver.getsockname()[1], marker=marker
        )
        verdict = run_tests(program + ADD, CHECK_ADD, LIMITS, entry_point="add")
        with pytest.raises(BlockingIOError):
            listener.accept()
        with pytest.raises(BlockingIOError):
            receiver.recv(4096)
    assert verdict.passed, verdict
    assert "CONNECTED" not in verdict.stdout and "RESOLVED" not in verdict.stdout
    refusals = [line for line in verdict.stdout.splitlines() if line.startswith("refused")]
    assert len(refusals) == 4  # both hosts, the external address and name resolution


def test_without_bubblewrap_the_sandbox_refuses_to_run() -> None:
    with pytest.raises(SteerError) as raised:
        run_tests(ADD, CHECK_ADD, LIMITS, "bwrap", bwrap="/nonexistent/bwrap")
    assert raised.value.problem == "bubblewrap (bwrap) is not installed"
    assert "sandbox.isolation=rlimits" in raised.value.fix


def test_an_unknown_isolation_mode_is_refused() -> None:
    with pytest.raises(SteerError, match="unknown sandbox isolation 'docker'"):
        run_tests(ADD, CHECK_ADD, LIMITS, "docker")


def test_rlimits_mode_runs_and_warns_loudly_every_time(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="steer.sandbox")
    for _ in range(2):
        verdict = run_tests(ADD, CHECK_ADD, LIMITS, "rlimits", bwrap="/nonexistent/bwrap")
        assert verdict.passed and verdict.isolation == "rlimits", verdict
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert all("SANDBOX WEAKENED" in r.getMessage() for r in warnings)


@requires_bwrap
def test_the_program_sees_only_its_own_processes_and_runs_unprivileged() -> None:
    program = "import os\nprint(sorted(os.listdir('/proc')), os.getuid(), os.getgid())\n" + ADD
    verdict = run_tests(program, CHECK_ADD, LIMITS, entry_point="add")
    assert verdict.passed, verdict
    assert str(os.getpid()) not in verdict.stdout.split("]")[0]
    assert verdict.stdout.split("]")[1].split() == ["1000", "1000"]
