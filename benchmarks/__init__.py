"""Benchmarks of the harness against the engines' own floor (issue 7).

`python -m benchmarks` (or `make bench`) runs them all and prints figures and
ratios; nothing here asserts a timing. Ratios are measured side by side in one
run (interleaved repetitions, medians), since these machines are noisy.
"""
