"""Running scenarios: runner, images, scheduling, teardown and signals."""
