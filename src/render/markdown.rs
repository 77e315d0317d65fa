//! The markdown report.
