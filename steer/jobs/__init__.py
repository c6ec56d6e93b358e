"""The command jobs: what ``steer run``, ``extract``, ``inspect``, ``calibrate`` and ``export``
do once Hydra has composed their config (``steer.cli.run_app`` calls them).

Each job is a plain function ``(cfg, output_dir, overrides) -> metrics``: it checks its inputs,
loads what it needs from the library below (``steer.runs``, ``steer.extraction``,
``steer.validation``, ``steer.inspect``, ``steer.calibration``, ``steer.interop``, ...) and
writes its files. Only ``steer.cli`` imports this package.
"""
