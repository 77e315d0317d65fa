//! The coverage model: one ordered, per-file structure that every reader produces and every renderer consumes.
//!
//! Pure data and arithmetic: no I/O, no global state. Maps are `BTreeMap`s so that iteration order, and with it every
//! output, is deterministic.

mod coverage;
mod outcomes;
pub mod path;
mod ranges;
mod summary;
mod table;
#[cfg(test)]
pub(crate) mod testing;

pub use coverage::{Block, BlockCount, BranchHits, Coverage, FileCoverage, Function, PercentRule, add_branch_hits};
pub use outcomes::{BranchId, Outcomes};
pub use ranges::{expanded_lines_budget, format_missing, missing_runs};
pub use summary::{Summary, display_delta, display_percent};
pub use table::{Row, Table};
