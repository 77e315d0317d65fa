//! Per-file accumulation shared by the text readers (LCOV, Cobertura): records are appended to vectors while
//! reading and folded into the model's ordered maps once, at the end of each file's record.
//!
//! Appending and sorting once is several times faster than inserting every record into a `BTreeMap`, and inputs are
//! usually already in line order, which the sort then detects in one pass. One accumulator is reused for every file
//! of a reader, so its buffers are allocated once (the readers parallelise by splitting the input instead).

use std::collections::BTreeMap;

use crate::model::{BranchHits, BranchId, FileCoverage, Function, Outcomes, PercentRule};

/// The records of one file, in input order.
#[derive(Debug, Default)]
pub(crate) struct FileAccumulator {
    lines: Vec<(u32, u64)>,
    /// Whether `lines` may hold a line out of order or twice; cleared data is in strictly increasing order.
    lines_unordered: bool,
    branches: Vec<(u32, BranchId, BranchHits)>,
    /// Function records by name (few per file, unlike lines).
    functions: BTreeMap<String, Function>,
}

impl FileAccumulator {
    pub(crate) fn add_line(&mut self, line: u32, hits: u64) {
        if self.lines.last().is_some_and(|&(last, _)| last >= line) {
            self.lines_unordered = true;
        }
        self.lines.push((line, hits));
    }

    /// Adds a branch outcome; `id` is decoded lossily, as ids are only compared and written back.
    pub(crate) fn add_branch(&mut self, line: u32, id: &[u8], taken: BranchHits) {
        self.branches.push((line, BranchId::from_utf8_lossy(id), taken));
    }

    /// Adds a branch outcome whose id is already text.
    pub(crate) fn add_branch_str(&mut self, line: u32, id: impl Into<BranchId>, taken: BranchHits) {
        self.branches.push((line, id.into(), taken));
    }

    /// Records where function `name` starts (and ends); a repeated record keeps the first position.
    pub(crate) fn add_function(&mut self, name: &str, start: u32, end: Option<u32>) {
        let f = self.functions.entry(name.to_owned()).or_default();
        if f.start == 0 {
            f.start = start;
            f.end = end;
        }
    }

    /// Adds `hits` to function `name`'s count.
    pub(crate) fn add_function_hits(&mut self, name: &str, hits: u64) {
        let f = self.functions.entry(name.to_owned()).or_default();
        f.hits = f.hits.saturating_add(hits);
    }

    /// Folds the records into a file measured by lines (repeated lines and branch outcomes add, saturating), leaving
    /// the accumulator empty but with its buffers' capacity, for the next file.
    pub(crate) fn fold(&mut self) -> FileCoverage {
        let mut file = FileCoverage::new(PercentRule::Lines);
        if self.lines_unordered {
            // Stable, so that equal lines are folded in input order (the sum does not depend on it, but it is cheap).
            self.lines.sort_by_key(|&(line, _)| line);
            self.lines.dedup_by(|next, kept| {
                if next.0 == kept.0 {
                    kept.1 = kept.1.saturating_add(next.1);
                    true
                } else {
                    false
                }
            });
        }
        file.lines = self.lines.drain(..).collect();
        self.lines_unordered = false;
        file.functions = std::mem::take(&mut self.functions);
        if self.branches.is_empty() {
            return file;
        }
        // Sorting by line only (stable) groups each line's outcomes; collecting them sorts the few ids of a line and
        // adds repeated ones.
        self.branches.sort_by_key(|b| b.0);
        let mut rest = self.branches.as_slice();
        while let Some(&(line, _, _)) = rest.first() {
            let end = rest.iter().position(|b| b.0 != line).unwrap_or(rest.len());
            let outcomes: Outcomes = rest[..end].iter().map(|(_, id, taken)| (id.clone(), *taken)).collect();
            file.branches.insert(line, outcomes);
            rest = &rest[end..];
        }
        self.branches.clear();
        file
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn repeated_records_add_up() {
        let mut acc = FileAccumulator::default();
        acc.add_line(5, 1);
        acc.add_line(2, u64::MAX);
        acc.add_line(5, 2);
        acc.add_line(2, 1);
        acc.add_branch(2, b"0,1", None);
        acc.add_branch(2, b"0,1", Some(3));
        acc.add_branch(1, b"0,0", None);
        let file = acc.fold();
        assert_eq!(file.lines, BTreeMap::from([(2, u64::MAX), (5, 3)]));
        assert_eq!(file.branches[&2]["0,1"], Some(3));
        assert_eq!(file.branches[&1]["0,0"], None);
    }
}
