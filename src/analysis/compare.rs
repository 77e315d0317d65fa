//! Base against head: per-file summaries and deltas, totals, and the "indirect changes" (files whose coverage moved
//! although the PR did not touch them). Pure functions over the model.

use std::collections::BTreeSet;

use crate::model::{Coverage, Summary};

/// The change of a percentage, head minus base, in percentage points; `None` when either side is missing.
pub fn delta(base: Option<&Summary>, head: Option<&Summary>) -> Option<f64> {
    Some(head?.percent() - base?.percent())
}

/// The summary of `path` in `coverage`, if the profile has it.
pub fn summary_of(coverage: &Coverage, path: &str) -> Option<Summary> {
    coverage.files.get(path).map(Summary::of_file)
}

/// The sum over the files of `coverage` that `counts`.
pub fn total(coverage: &Coverage, counts: impl Fn(&str) -> bool) -> Summary {
    let parts: Vec<Summary> = coverage
        .files
        .iter()
        .filter(|(path, _)| counts(path))
        .map(|(_, file)| Summary::of_file(file))
        .collect();
    Summary::sum(&parts)
}

/// A file the PR did not touch whose figures differ between base and head (or that only one profile has).
#[derive(Clone, Debug, PartialEq)]
pub struct IndirectChange {
    pub path: String,
    pub base: Option<Summary>,
    pub head: Option<Summary>,
    pub delta: Option<f64>,
}

/// Files in either profile, not among `touched` (the changed paths, old and new), that `counts`, whose summaries
/// differ; sorted by path.
pub fn indirect_changes(
    base: &Coverage,
    head: &Coverage,
    touched: &BTreeSet<&str>,
    counts: impl Fn(&str) -> bool,
) -> Vec<IndirectChange> {
    let paths: BTreeSet<&str> = base.files.keys().chain(head.files.keys()).map(String::as_str).collect();
    paths
        .into_iter()
        .filter(|path| !touched.contains(path) && counts(path))
        .filter_map(|path| {
            let (b, h) = (summary_of(base, path), summary_of(head, path));
            (b != h).then(|| IndirectChange {
                path: path.to_string(),
                delta: delta(b.as_ref(), h.as_ref()),
                base: b,
                head: h,
            })
        })
        .collect()
}

/// What changed between two pushes of a PR: the totals before and after, and the files whose figures moved.
#[derive(Clone, Debug, PartialEq)]
pub struct PushDelta {
    pub before: Summary,
    pub after: Summary,
    /// Files whose summaries differ (or that one push alone measures), sorted by path.
    pub moved: Vec<IndirectChange>,
}

impl PushDelta {
    /// After minus before, in percentage points.
    pub fn delta(&self) -> f64 {
        self.after.percent() - self.before.percent()
    }
}

/// The change from the `previous` push's coverage to this one's (`head`), over the files that `counts`.
pub fn push_delta(previous: &Coverage, head: &Coverage, counts: impl Fn(&str) -> bool) -> PushDelta {
    PushDelta {
        before: total(previous, &counts),
        after: total(head, &counts),
        moved: indirect_changes(previous, head, &BTreeSet::new(), &counts),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FileCoverage;

    fn cov(files: &[(&str, &[(u32, u64)])]) -> Coverage {
        let mut c = Coverage::default();
        for (path, lines) in files {
            let mut f = FileCoverage::default();
            f.lines.extend(lines.iter().copied());
            c.files.insert(path.to_string(), f);
        }
        c
    }

    #[test]
    fn untouched_files_that_moved_are_indirect() {
        let base = cov(&[("a.py", &[(1, 1), (2, 0)]), ("b.py", &[(1, 1)]), ("c.py", &[(1, 0)])]);
        let head = cov(&[("a.py", &[(1, 1), (2, 1)]), ("b.py", &[(1, 1)]), ("d.py", &[(1, 1)])]);
        let touched = BTreeSet::from(["c.py"]);
        let got = indirect_changes(&base, &head, &touched, |_| true);
        let paths: Vec<_> = got.iter().map(|c| (c.path.as_str(), c.delta)).collect();
        assert_eq!(paths, [("a.py", Some(50.0)), ("d.py", None)]);
    }
}
