//! Files, lines, branches and Go statement blocks, and the pure merge of two coverages.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Outcomes;

/// How a file's headline percentage is computed, following the ecosystem the data came from.
///
/// The variants are ordered; merging two files with different rules keeps the greater one, which keeps the merge
/// commutative and associative.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PercentRule {
    /// Covered lines over measured lines: LCOV `LH/LF`, Cobertura `line-rate`.
    #[default]
    Lines,
    /// coverage.py: `(executed statements + executed branches) / (statements + branches)`.
    LinesAndBranches,
    /// Go: covered statements over statements, weighted by each block's statement count.
    Statements,
}

impl PercentRule {
    /// What the rule counts, in the input tool's words: `go tool cover` counts statements; LCOV and Cobertura lines;
    /// coverage.py statements, which its reports (and prowcov's, for them) call lines, one per statement's first line.
    pub fn unit(self) -> &'static str {
        match self {
            PercentRule::Lines | PercentRule::LinesAndBranches => "lines",
            PercentRule::Statements => "statements",
        }
    }

    /// How shown percentages are rounded, for the words next to them. Every figure is rounded half to even at the
    /// places shown (as coverage.py, `go tool cover` and genhtml do) and, as coverage.py does, never shown as 0 or
    /// 100 unless exact.
    pub fn rounding(self) -> &'static str {
        match self {
            PercentRule::LinesAndBranches => "rounded as coverage.py rounds them, never shown as 0 or 100 unless exact",
            PercentRule::Statements => {
                "rounded as `go tool cover` rounds them, except that they are never shown as 0 or 100 unless exact"
            }
            PercentRule::Lines => "rounded half to even, never shown as 0 or 100 unless exact",
        }
    }
}

/// The hits of one branch outcome; `None` means the branch was never evaluated (LCOV's `-`).
pub type BranchHits = Option<u64>;

/// A Go cover block: start line, start column, end line, end column (1-based, columns in bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Block {
    pub start_line: u32,
    pub start_col: u32,
    pub end_line: u32,
    pub end_col: u32,
}

/// What a Go cover block holds: its statement count and how often it ran.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockCount {
    pub statements: u32,
    pub count: u64,
}

/// A function record (LCOV's `FN`/`FNDA`): where the function starts (0 when only its count is known), where it
/// ends when the tool says, and how often it was entered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    pub start: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<u32>,
    pub hits: u64,
}

/// The coverage of one source file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileCoverage {
    /// Measured lines and their hit counts. A line absent from the map is not measured (blank, comment, ...).
    pub lines: BTreeMap<u32, u64>,
    /// Branch outcomes per source line, keyed by an id that is stable within the data's format
    /// (`"0,1"` for LCOV block/branch, `"12->15"` for a coverage.py arc, `"cond0"` for Cobertura conditions).
    pub branches: BTreeMap<u32, Outcomes>,
    /// Go statement blocks. When present they, not `lines`, define the statement totals.
    pub blocks: BTreeMap<Block, BlockCount>,
    pub rule: PercentRule,
    /// Functions by name, when the input records them (LCOV); they never enter the headline.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub functions: BTreeMap<String, Function>,
}

/// Coverage of many files, keyed by repo-relative path with `/` separators.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub files: BTreeMap<String, FileCoverage>,
}

impl FileCoverage {
    /// An empty file measured under `rule`.
    pub fn new(rule: PercentRule) -> Self {
        FileCoverage {
            rule,
            ..Default::default()
        }
    }

    /// Adds `other` into `self`: hit counts add (saturating), branches and blocks union with their counts added.
    pub fn merge(&mut self, other: &FileCoverage) {
        for (&line, &hits) in &other.lines {
            let slot = self.lines.entry(line).or_insert(0);
            *slot = slot.saturating_add(hits);
        }
        for (&line, outcomes) in &other.branches {
            self.branches.entry(line).or_default().merge(outcomes);
        }
        for (block, count) in &other.blocks {
            let slot = self.blocks.entry(*block).or_default();
            // Go itself rejects inconsistent statement counts within one profile; across profiles the merge stays
            // total by keeping the larger count.
            slot.statements = slot.statements.max(count.statements);
            slot.count = slot.count.saturating_add(count.count);
        }
        for (name, function) in &other.functions {
            let slot = self.functions.entry(name.clone()).or_default();
            if slot.start == 0 {
                slot.start = function.start;
            }
            slot.end = slot.end.or(function.end);
            slot.hits = slot.hits.saturating_add(function.hits);
        }
        self.rule = self.rule.max(other.rule);
    }

    /// Functions entered and functions recorded (LCOV's `FNH` and `FNF`).
    pub fn function_counts(&self) -> (u64, u64) {
        let hit = self.functions.values().filter(|f| f.hits > 0).count() as u64;
        (hit, self.functions.len() as u64)
    }

    /// Lines that are measured and never ran.
    pub fn missing_lines(&self) -> impl Iterator<Item = u32> + '_ {
        self.lines.iter().filter(|&(_, &hits)| hits == 0).map(|(&line, _)| line)
    }

    /// Whether any branch data exists for this file.
    pub fn has_branches(&self) -> bool {
        self.branches.values().any(|outcomes| !outcomes.is_empty())
    }
}

/// Adds two branch outcomes: `None` (never evaluated) is the identity, counts add (saturating).
pub fn add_branch_hits(a: BranchHits, b: BranchHits) -> BranchHits {
    match (a, b) {
        (None, None) => None,
        (Some(x), None) | (None, Some(x)) => Some(x),
        (Some(x), Some(y)) => Some(x.saturating_add(y)),
    }
}

impl Coverage {
    /// Adds every file of `other` into `self` (see [`FileCoverage::merge`]).
    pub fn merge(&mut self, other: &Coverage) {
        for (path, file) in &other.files {
            match self.files.get_mut(path) {
                Some(mine) => mine.merge(file),
                None => {
                    self.files.insert(path.clone(), file.clone());
                }
            }
        }
    }

    /// Adds every file of `other` into `self`, moving the files `self` does not have yet instead of copying them
    /// (large inputs would otherwise be built twice).
    pub fn absorb(&mut self, other: Coverage) {
        if self.files.is_empty() {
            self.files = other.files;
            return;
        }
        for (path, file) in other.files {
            match self.files.get_mut(&path) {
                Some(mine) => mine.merge(&file),
                None => {
                    self.files.insert(path, file);
                }
            }
        }
    }

    /// Merges many coverages into one.
    pub fn merged<'a>(parts: impl IntoIterator<Item = &'a Coverage>) -> Coverage {
        let mut out = Coverage::default();
        for part in parts {
            out.merge(part);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn arb_coverage() -> impl Strategy<Value = Coverage> {
        crate::model::testing::arb_coverage("[a-c]/[xy]\\.py", "[ab]")
    }

    proptest! {
        #[test]
        fn merge_is_commutative(a in arb_coverage(), b in arb_coverage()) {
            prop_assert_eq!(Coverage::merged([&a, &b]), Coverage::merged([&b, &a]));
        }

        #[test]
        fn merge_is_associative(a in arb_coverage(), b in arb_coverage(), c in arb_coverage()) {
            let left = Coverage::merged([&Coverage::merged([&a, &b]), &c]);
            let right = Coverage::merged([&a, &Coverage::merged([&b, &c])]);
            prop_assert_eq!(left, right);
        }

        #[test]
        fn absorb_equals_merge(a in arb_coverage(), b in arb_coverage()) {
            let mut absorbed = a.clone();
            absorbed.absorb(b.clone());
            prop_assert_eq!(absorbed, Coverage::merged([&a, &b]));
        }

        #[test]
        fn merge_with_empty_is_identity(a in arb_coverage()) {
            prop_assert_eq!(Coverage::merged([&a, &Coverage::default()]), a.clone());
            prop_assert_eq!(Coverage::merged([&Coverage::default(), &a]), a);
        }
    }

    #[test]
    fn hit_counts_saturate_instead_of_overflowing() {
        let mut a = FileCoverage::default();
        a.lines.insert(1, u64::MAX);
        a.merge(&a.clone());
        assert_eq!(a.lines[&1], u64::MAX);
    }
}
