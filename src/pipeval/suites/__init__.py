"""Suites choose checks, run them with isolated failures, and collect one SuiteResult."""
