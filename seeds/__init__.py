"""Deterministic demo data, shared by `make run` and the tests."""
