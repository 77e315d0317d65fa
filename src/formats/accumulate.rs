//! Per-file accumulation shared by the text readers (LCOV, Cobertura): records are appended to vectors while
//! reading and folded into the model's ordered maps once, at the end.
//!
//! Appending and sorting once is several times faster than inserting every record into a `BTreeMap`, and inputs are
//! usually already in line order, which the sort then detects in one pass. Building the model's maps costs about as
//! much as parsing, so it runs on a second thread while the reader goes on ([`finish_in_background`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::mpsc::{Sender, channel};

use crate::model::{BranchHits, Coverage, FileCoverage, PercentRule, add_branch_hits};

/// The records of one file, in input order.
#[derive(Debug, Default)]
pub(crate) struct FileAccumulator {
    lines: Vec<(u32, u64)>,
    /// Whether `lines` may hold a line out of order or twice; cleared data is in strictly increasing order.
    lines_unordered: bool,
    branches: Vec<(u32, String, BranchHits)>,
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
        self.branches
            .push((line, String::from_utf8_lossy(id).into_owned(), taken));
    }

    /// Adds a branch outcome whose id is already text.
    pub(crate) fn add_branch_str(&mut self, line: u32, id: String, taken: BranchHits) {
        self.branches.push((line, id, taken));
    }

    /// Folds the records into a file measured by lines: repeated lines and branch outcomes add (saturating).
    pub(crate) fn finish(mut self) -> FileCoverage {
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
        file.lines = self.lines.into_iter().collect();
        if self.branches.is_empty() {
            return file;
        }
        self.branches.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        self.branches.dedup_by(|next, kept| {
            if next.0 == kept.0 && next.1 == kept.1 {
                kept.2 = add_branch_hits(kept.2, next.2);
                true
            } else {
                false
            }
        });
        let mut current: Option<(u32, BTreeMap<String, BranchHits>)> = None;
        for (line, id, taken) in self.branches {
            match &mut current {
                Some((l, outcomes)) if *l == line => {
                    outcomes.insert(id, taken);
                }
                _ => {
                    if let Some((l, outcomes)) = current.take() {
                        file.branches.insert(l, outcomes);
                    }
                    current = Some((line, BTreeMap::from([(id, taken)])));
                }
            }
        }
        if let Some((l, outcomes)) = current {
            file.branches.insert(l, outcomes);
        }
        file
    }
}

/// Puts the folded files (by index) under their model keys, in input order. Two spellings of one path (`./a.c` and
/// `a.c`) normalise to the same key and merge; a file with no records is kept, empty.
pub(crate) fn assemble(keys: impl IntoIterator<Item = String>, mut done: HashMap<usize, FileCoverage>) -> Coverage {
    let mut coverage = Coverage::default();
    for (i, key) in keys.into_iter().enumerate() {
        let file = done.remove(&i).unwrap_or_else(|| FileCoverage::new(PercentRule::Lines));
        match coverage.files.get_mut(&key) {
            Some(existing) => existing.merge(&file),
            None => {
                coverage.files.insert(key, file);
            }
        }
    }
    coverage
}

/// Runs `produce`, which sends each completed accumulator with its file index, while a second thread folds them into
/// files; accumulators sent for the same index merge. Returns what `produce` returned and the files by index.
pub(crate) fn finish_in_background<R>(
    produce: impl FnOnce(&Sender<(usize, FileAccumulator)>) -> R,
) -> (R, HashMap<usize, FileCoverage>) {
    std::thread::scope(|scope| {
        let (tx, rx) = channel::<(usize, FileAccumulator)>();
        let worker = scope.spawn(move || {
            let mut done: HashMap<usize, FileCoverage> = HashMap::new();
            for (index, acc) in rx {
                let file = acc.finish();
                match done.get_mut(&index) {
                    Some(existing) => existing.merge(&file),
                    None => {
                        done.insert(index, file);
                    }
                }
            }
            done
        });
        let result = produce(&tx);
        // Closing the channel ends the worker's loop.
        drop(tx);
        match worker.join() {
            Ok(done) => (result, done),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let file = acc.finish();
        assert_eq!(file.lines, BTreeMap::from([(2, u64::MAX), (5, 3)]));
        assert_eq!(file.branches[&2]["0,1"], Some(3));
        assert_eq!(file.branches[&1]["0,0"], None);
    }
}
