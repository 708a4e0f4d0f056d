"""Runnable examples of aiofs with web frameworks (each one is run by the test suite)."""
