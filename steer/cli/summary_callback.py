"""The summary ``steer run`` prints when a run, or a whole sweep, has finished.

A Hydra callback (``hydra.callbacks.summary`` in conf/config.yaml), so it runs in the process
that started the command: after a single run, and after the last job of a sweep whatever the
launcher (basic, joblib, submitit, ray), reading what the jobs wrote. ``steer run --quiet``
removes it. A summary that cannot be made is one line on stderr, never a failed run.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf


def print_summary(root: Path) -> None:
    try:
        from steer.compare.digest import digest

        text = digest(root)
    except Exception as error:  # the run itself succeeded; say why there is no summary
        print(f"(no summary of {root}: {type(error).__name__}: {error})", file=sys.stderr)
        return
    if text:
        print("\n" + text, flush=True)


class RunSummary(Callback):
    def on_run_end(self, config: DictConfig, **kwargs: Any) -> None:
        job: JobReturn | None = kwargs.get("job_return")
        if job is None or job.status != JobStatus.COMPLETED:
            return
        hydra_cfg = job.hydra_cfg if job.hydra_cfg is not None else config
        output_dir = OmegaConf.select(hydra_cfg, "hydra.runtime.output_dir")
        if output_dir:
            print_summary(Path(str(output_dir)))

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        print_summary(Path(str(config.hydra.sweep.dir)))
