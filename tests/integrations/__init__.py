"""Integration tests: the web frameworks and containers, driven through real servers."""
