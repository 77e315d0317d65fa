"""A tiny package for prowcov's bundled example."""
