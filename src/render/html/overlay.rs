//! The pre-submit overlay: changed files and lines, base percentages, patch coverage. The change analysis fills it
//! (`analysis::changes`, which also parses a `--changed-files` list).

use std::collections::{BTreeMap, BTreeSet};

/// Pre-submit extras, keyed by the same repo-relative paths as the coverage data. The change analysis fills it;
/// `--changed-files` can too.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HtmlOverlay {
    /// The files the PR changed, each with its changed (added or modified) lines at head; an empty set means the
    /// file changed but its lines are unknown.
    pub changed_lines: BTreeMap<String, BTreeSet<u32>>,
    /// The baseline's percentage per file; a changed file without one is shown as new.
    pub base_percent: BTreeMap<String, f64>,
    /// Patch coverage per file as (covered, measured) changed lines. Files missing here get it computed from
    /// `changed_lines` and the coverage data.
    pub patch: BTreeMap<String, (u64, u64)>,
}
