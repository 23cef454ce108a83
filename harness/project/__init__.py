"""A user's project as files: Dockerfiles, compose files, ignore files, `.env`.

Pure parsing with positions, no engines: shared by `harness lint`, `harness check`
and the image builder's no-pull check. Errors are ScenarioError with file:line:col.
"""
