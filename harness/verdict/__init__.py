"""Judging: observations from raw engine answers, expectations, verdicts."""
