"""`harness lint`: static Docker-to-Podman portability rules, each backed by scenarios."""
