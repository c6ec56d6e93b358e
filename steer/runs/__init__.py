"""`steer run`: the config schema, the run itself, its records and provenance."""
