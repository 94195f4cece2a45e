"""Benchmarks (not tests): each prints figures with a baseline measured in the same run."""
