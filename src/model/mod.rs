//! The coverage model: one ordered, per-file structure that every reader produces and every renderer consumes.
//!
//! Pure data and arithmetic: no I/O, no global state. Maps are `BTreeMap`s so that iteration order, and with it every
//! output, is deterministic.

mod coverage;
pub mod path;
mod ranges;
mod summary;
#[cfg(test)]
pub(crate) mod testing;

pub use coverage::{Block, BlockCount, BranchHits, Coverage, FileCoverage, PercentRule, add_branch_hits};
pub use ranges::{format_missing, line_ranges};
pub use summary::{Summary, display_percent};
