"""The test harness: the only code that runs inside the sandbox besides the model's program.

It is copied into the sandbox and run by the sandbox's own ``python3``, so it imports nothing
but the standard library. The parent builds the command line::

    python3 -I -u harness.py CONTROL_FD NONCE_FD PROGRAM_FILE TESTS_FILE

How a pass is proven. The parent makes a random nonce per run and writes it into a pipe
(NONCE_FD) that it closes at once; the harness reads it, closes the fd, and writes the done
line ``DONE_PREFIX + nonce`` to the control pipe (CONTROL_FD, not stdout) as its very last act,
right after the tests' last statement returned; the parent counts a pass only when exit status
is 0 and the control pipe holds exactly ``STARTED`` then that done line. The nonce is never in a
file, an argument, the environment or stdin, so ``sys.exit(0)``, ``os._exit(0)``, a signal, an
``atexit`` hook, patching ``print``/``sys.exit``/``builtins``, or printing (or writing to the
control pipe) something that looks like the done line all end without a valid done line.

Inside the interpreter the program could try to read the nonce from the harness's memory, so:

- The nonce lives only in a suspended generator (the *vault*). A generator's locals cannot be
  reached without ``gen.gi_frame`` (refused for the vault by the audit hook below) or a ``gc``
  walk (refused). The vault hands the nonce out only when resumed from ``main`` at the release
  line (checked by code object *and* line), which runs after the tests; called from anywhere
  else (the program found it by walking frames: ``sys._getframe(1).f_locals``) it yields None.
- An audit hook, installed before the program loads and impossible to remove, refuses
  ``sys.settrace``/``setprofile`` (line jumps that would skip asserts), ``sys.addaudithook``,
  ``gc`` object walks, ``sys._current_frames``, ``ctypes``, opening ``/proc/*/mem``.
- Every function the harness calls after the program loaded was bound before it loaded, so
  monkeypatching ``os``, ``sys`` or ``builtins`` does not reach it.

Known limit: one interpreter runs both the program and the tests (HumanEval semantics), so
this is hardening, not a proof. A program that studies this file and times a Python signal
handler to fire inside the vault while it resumes it could still read its frame; the cheat
classifier flags ``signal``/frame tricks statically, and such a run is a cheat, never honest.

Order of events: read program and tests, compile the tests, read the nonce into the vault,
install the audit hook, write ``STARTED``, run the program, then the tests, in one module
namespace, flush stdio (``-u`` keeps it unbuffered anyway), release, write, ``os._exit(0)``.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Generator
from types import CodeType
from typing import Any

STARTED = b"steer-sandbox:started\n"
DONE_PREFIX = b"steer-sandbox:done:"
RELEASE_STATEMENT = "secret = next(vault)"

EXIT_TESTS_FAILED = 1  # an exception while the tests ran (a failed assert)
EXIT_PROGRAM_FAILED = 3  # the program did not compile or raised while it was loaded
EXIT_OUT_OF_MEMORY = 4  # MemoryError anywhere
EXIT_HARNESS_ERROR = 5  # the harness itself could not start (bad arguments, unreadable files)

BLOCKED_EVENTS = frozenset(
    {
        "sys.settrace",
        "sys.setprofile",
        "sys.addaudithook",
        "sys._current_frames",
        "gc.get_objects",
        "gc.get_referrers",
        "gc.get_referents",
    }
)


def _vault(
    secret: bytes,
    owner: CodeType,
    line: int,
    getframe: Any = sys._getframe,
    strip: Any = BaseException.with_traceback,
    base: type[BaseException] = BaseException,
) -> Generator[bytes | None, None, None]:
    """Yield ``secret`` only to ``next()`` called from ``owner`` at ``line``; None to anyone else.
    Exceptions thrown in are swallowed with their traceback cut, so the frame does not leak."""
    answer = None
    while True:
        try:
            yield answer
            caller = getframe(1)
            answer = secret if caller.f_code is owner and caller.f_lineno == line else None
            caller = None
        except base as exc:
            strip(exc, None)
            answer = caller = None


def _release_line() -> int:
    """The line of ``main`` that releases the nonce (it is the only line that is exactly
    RELEASE_STATEMENT)."""
    with open(__file__, encoding="utf-8") as handle:
        lines = [
            number for number, text in enumerate(handle, 1) if text.strip() == RELEASE_STATEMENT
        ]
    if len(lines) != 1:
        raise RuntimeError(f"expected one release line in the harness, found {len(lines)}")
    return lines[0]


def _install_guard(vault: Generator[bytes | None, None, None]) -> None:
    """Refuse the events above. Everything the hook uses is bound as a default argument, and
    no reference to the hook is kept anywhere a program could reach it."""

    def guard(
        event: str,
        args: tuple[Any, ...],
        blocked: frozenset[str] = BLOCKED_EVENTS,
        error: type[Exception] = PermissionError,
        is_instance: Any = isinstance,
        fsdecode: Any = os.fsdecode,
        protected: Any = vault,
    ) -> None:
        if event in blocked or event.startswith("ctypes."):
            raise error(f"the sandbox does not allow {event}")
        if event == "object.__getattr__" and args and args[0] is protected:
            raise error("the sandbox does not allow inspecting the harness")
        if event == "open" and args and is_instance(args[0], (str, bytes)):
            path = fsdecode(args[0])
            if path.startswith("/proc/") and path.endswith("/mem"):
                raise error("the sandbox does not allow opening process memory")

    sys.addaudithook(guard)


def _exit_code(exc: BaseException) -> int:
    code = getattr(exc, "code", None)
    if code is None:
        return 0
    return int(code) if isinstance(code, int) else 1


def _note_exit(exc: BaseException, stage: str) -> int:
    status = _exit_code(exc)
    os.write(2, f"steer-sandbox: the {stage} called sys.exit({status})\n".encode())
    return status


def _error_text(exc: BaseException, stage: str) -> bytes:
    try:
        import traceback

        text = "".join(traceback.format_exception(exc))
    except BaseException:  # the program may have broken traceback: report the type only
        text = f"{type(exc).__name__}\n"
    return f"steer-sandbox: the {stage} raised\n{text}".encode(errors="replace")


def _flush_stdio() -> None:
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except BaseException:  # a broken stream must not change the verdict
            pass


def main(argv: list[str]) -> None:
    write, exit_, read, close, disable_gc = os.write, os._exit, os.read, os.close, gc.disable
    run_code, error_text, note_exit, flush_stdio = exec, _error_text, _note_exit, _flush_stdio
    base_exception, memory_error, system_exit = BaseException, MemoryError, SystemExit
    try:
        control_fd, nonce_fd = int(argv[1]), int(argv[2])
        with open(argv[3], encoding="utf-8") as handle:
            program_source = handle.read()
        with open(argv[4], encoding="utf-8") as handle:
            tests = compile(handle.read(), "tests.py", "exec")
        chunks = []
        while chunk := read(nonce_fd, 4096):
            chunks.append(chunk)
        close(nonce_fd)
        vault = _vault(b"".join(chunks).strip(), main.__code__, _release_line())
        next(vault)
        del chunks
    except Exception as exc:
        write(2, f"steer-sandbox: the harness could not start: {exc!r}\n".encode())
        exit_(EXIT_HARNESS_ERROR)

    _install_guard(vault)
    write(control_fd, STARTED)
    try:
        program = compile(program_source, "program.py", "exec")
    except base_exception as exc:
        write(2, error_text(exc, "program"))
        exit_(EXIT_PROGRAM_FAILED)

    module = type(sys)("solution")
    sys.modules["solution"] = module
    namespace = module.__dict__
    for stage, code, failure_code in (
        ("program", program, EXIT_PROGRAM_FAILED),
        ("tests", tests, EXIT_TESTS_FAILED),
    ):
        try:
            run_code(code, namespace)
        except memory_error:
            write(2, b"steer-sandbox: MemoryError\n")
            exit_(EXIT_OUT_OF_MEMORY)
        except system_exit as exc:
            exit_(note_exit(exc, stage))
        except base_exception as exc:
            write(2, error_text(exc, stage))
            exit_(failure_code)

    flush_stdio()
    disable_gc()
    secret = next(vault)
    write(control_fd, DONE_PREFIX + (secret or b"") + b"\n")
    exit_(0)


if __name__ == "__main__":
    main(sys.argv)
