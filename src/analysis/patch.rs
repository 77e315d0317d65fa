//! Patch coverage: of the changed lines the head profile measures, how many ran. Changed lines the profile does not
//! measure (blank lines, comments, the continuation lines of a statement) count in neither the numerator nor the
//! denominator, as diff-cover counts them. A line counts as covered when its hits are above zero (branch outcomes do
//! not make a line partial here, as in diff-cover without `--branch-coverage`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{FileCoverage, display_percent, missing_runs};

/// Covered and measured changed lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PatchFigures {
    pub covered: u64,
    pub total: u64,
}

impl PatchFigures {
    /// The exact percentage, `100 * covered / total`; `None` when no changed line is measured.
    pub fn percent(&self) -> Option<f64> {
        (self.total > 0).then(|| 100.0 * self.covered as f64 / self.total as f64)
    }

    /// The percentage as shown: rounded half-to-even at `precision` places, never shown as 0 or 100 unless exact
    /// (see [`display_percent`]); `None` when nothing is measured.
    pub fn display(&self, precision: usize) -> Option<String> {
        self.percent().map(|pc| display_percent(pc, precision))
    }

    /// The sum of many figures.
    pub fn sum<'a>(parts: impl IntoIterator<Item = &'a PatchFigures>) -> PatchFigures {
        parts.into_iter().fold(PatchFigures::default(), |acc, p| PatchFigures {
            covered: acc.covered.saturating_add(p.covered),
            total: acc.total.saturating_add(p.total),
        })
    }
}

/// An inclusive range of line numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LineRange {
    pub start: u32,
    pub end: u32,
}

impl std::fmt::Display for LineRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}-{}", self.start, self.end)
        }
    }
}

/// The patch coverage of one file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilePatch {
    pub figures: PatchFigures,
    /// Changed lines the profile measures and that ran, ascending.
    pub covered_lines: Vec<u32>,
    /// Changed lines the profile measures and that did not run, ascending (diff-cover's "violation lines").
    pub missing_lines: Vec<u32>,
    /// `missing_lines` as ranges. Lines the profile does not measure do not break a range; measured lines that are
    /// not missing changed lines do (so `8-10` never hides a covered or unchanged statement).
    pub missing_ranges: Vec<LineRange>,
}

/// The patch coverage of a file whose head coverage is `head` (`None`: not in the head profile) and whose changed
/// lines are `changed` (ascending).
pub fn file_patch(head: Option<&FileCoverage>, changed: &[u32]) -> FilePatch {
    let Some(head) = head else {
        return FilePatch::default();
    };
    let mut out = FilePatch::default();
    for line in changed {
        match head.lines.get(line) {
            Some(0) => out.missing_lines.push(*line),
            Some(_) => out.covered_lines.push(*line),
            None => {}
        }
    }
    out.figures = PatchFigures {
        covered: out.covered_lines.len() as u64,
        total: (out.covered_lines.len() + out.missing_lines.len()) as u64,
    };
    if !out.missing_lines.is_empty() {
        // Every measured line, "missing" (0) only when it is a missing changed line: runs then span unmeasured lines
        // but stop at anything else.
        let marks: BTreeMap<u32, u64> = head
            .lines
            .keys()
            .map(|l| (*l, u64::from(out.missing_lines.binary_search(l).is_err())))
            .collect();
        out.missing_ranges = missing_runs(&marks)
            .into_iter()
            .map(|(start, end)| LineRange { start, end })
            .collect();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmeasured_lines_count_nowhere_and_do_not_break_ranges() {
        let mut f = FileCoverage::default();
        // 1 ran, 2 missing, 3 not measured (comment), 4 missing, 5 ran (unchanged), 6 missing.
        f.lines.extend([(1, 3), (2, 0), (4, 0), (5, 1), (6, 0)]);
        let p = file_patch(Some(&f), &[1, 2, 3, 4, 6, 7]);
        assert_eq!(p.figures, PatchFigures { covered: 1, total: 4 });
        assert_eq!(p.missing_lines, [2, 4, 6]);
        let ranges: Vec<String> = p.missing_ranges.iter().map(ToString::to_string).collect();
        assert_eq!(ranges, ["2-4", "6"]);
        assert_eq!(p.figures.percent(), Some(25.0));
    }

    #[test]
    fn display_rounds_but_percent_is_exact() {
        let p = PatchFigures { covered: 2, total: 3 };
        assert_eq!(p.percent(), Some(200.0 / 3.0));
        assert_eq!(p.display(1).as_deref(), Some("66.7"));
        assert_eq!(
            PatchFigures {
                covered: 999,
                total: 1000
            }
            .display(0)
            .as_deref(),
            Some("99")
        );
        assert_eq!(PatchFigures::default().percent(), None);
    }
}
