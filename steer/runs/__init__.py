"""Running episodes: setting a run up (``setup``), playing episodes at every strength
(``episodes``), the context check and provenance. The ``steer run`` job is ``steer.jobs.run``;
its records are ``steer.run_records``."""
