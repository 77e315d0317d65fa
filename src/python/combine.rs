//! `prowcov combine`: coverage.py's combine (input discovery, duplicate skipping, `[paths]` remapping, contexts
//! merged by name), independent of input order, writing its output atomically.
