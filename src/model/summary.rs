//! Per-file and total figures, and how a percentage is shown.

use super::{FileCoverage, PercentRule};

/// The figures of one file or of a sum of files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Covered lines (or, for Go, covered statements).
    pub covered: u64,
    /// Measured lines (or, for Go, statements).
    pub total: u64,
    pub branches_covered: u64,
    pub branches_total: u64,
    /// Lines that ran but left some branch untaken (coverage.py's `BrPart`).
    pub partial_branches: u64,
    /// Functions entered and recorded (LCOV's `FNH`/`FNF`); 0 of 0 when the input has no function records.
    pub functions_covered: u64,
    pub functions_total: u64,
    /// The rule of the files summed (the greatest, as a merge keeps it): what `covered` and `total` count.
    pub rule: PercentRule,
    /// Numerator and denominator of the headline percentage, per each file's [`PercentRule`].
    numerator: u64,
    denominator: u64,
}

impl Summary {
    /// The figures of one file.
    pub fn of_file(file: &FileCoverage) -> Summary {
        let (covered, total) = if file.blocks.is_empty() {
            let covered = file.lines.values().filter(|&&hits| hits > 0).count() as u64;
            (covered, file.lines.len() as u64)
        } else {
            file.blocks.values().fold((0u64, 0u64), |(c, t), b| {
                let s = u64::from(b.statements);
                (if b.count > 0 { c.saturating_add(s) } else { c }, t.saturating_add(s))
            })
        };
        let mut branches_covered = 0u64;
        let mut branches_total = 0u64;
        let mut partial_branches = 0u64;
        // Both maps are sorted by line: walking them together replaces a tree lookup per branch line.
        let mut lines = file.lines.iter().peekable();
        for (line, outcomes) in &file.branches {
            let taken = outcomes.values().filter(|h| matches!(h, Some(n) if *n > 0)).count() as u64;
            branches_covered += taken;
            branches_total += outcomes.len() as u64;
            while lines.next_if(|(l, _)| *l < line).is_some() {}
            let line_ran = lines.peek().is_some_and(|(l, hits)| *l == line && **hits > 0);
            if line_ran && taken < outcomes.len() as u64 {
                partial_branches += 1;
            }
        }
        let (numerator, denominator) = match file.rule {
            PercentRule::Lines | PercentRule::Statements => (covered, total),
            PercentRule::LinesAndBranches => (covered + branches_covered, total + branches_total),
        };
        let (functions_covered, functions_total) = file.function_counts();
        Summary {
            covered,
            total,
            branches_covered,
            branches_total,
            partial_branches,
            functions_covered,
            functions_total,
            rule: file.rule,
            numerator,
            denominator,
        }
    }

    /// The sum of many summaries (totals are sums of files).
    pub fn sum<'a>(parts: impl IntoIterator<Item = &'a Summary>) -> Summary {
        let mut out = Summary::default();
        for part in parts {
            out.covered = out.covered.saturating_add(part.covered);
            out.total = out.total.saturating_add(part.total);
            out.branches_covered = out.branches_covered.saturating_add(part.branches_covered);
            out.branches_total = out.branches_total.saturating_add(part.branches_total);
            out.partial_branches = out.partial_branches.saturating_add(part.partial_branches);
            out.functions_covered = out.functions_covered.saturating_add(part.functions_covered);
            out.functions_total = out.functions_total.saturating_add(part.functions_total);
            out.rule = out.rule.max(part.rule);
            out.numerator = out.numerator.saturating_add(part.numerator);
            out.denominator = out.denominator.saturating_add(part.denominator);
        }
        out
    }

    /// Measured lines (statements) that did not run.
    pub fn missing(&self) -> u64 {
        self.total - self.covered
    }

    /// Branch outcomes that were not taken.
    pub fn branches_missing(&self) -> u64 {
        self.branches_total - self.branches_covered
    }

    /// The exact headline percentage. Nothing measurable counts as 100%, as coverage.py counts it, so that an empty
    /// file never fails a threshold. The arithmetic is coverage.py's own (`100.0 * num / den`), so the float is
    /// bit-for-bit the one coverage.py reports.
    pub fn percent(&self) -> f64 {
        if self.total == 0 || self.denominator == 0 {
            100.0
        } else {
            (100.0 * self.numerator as f64) / self.denominator as f64
        }
    }

    /// The numerator and denominator behind [`Summary::percent`].
    pub fn ratio(&self) -> (u64, u64) {
        (self.numerator, self.denominator)
    }

    /// What `covered` and `total` count, in the input tool's words (see [`PercentRule::unit`]).
    pub fn unit(&self) -> &'static str {
        self.rule.unit()
    }

    /// What [`Summary::ratio`] counts: [`Summary::unit`], plus branches when coverage.py's rule adds them.
    pub fn ratio_unit(&self) -> &'static str {
        if self.rule == PercentRule::LinesAndBranches && self.branches_total > 0 {
            "lines and branches"
        } else {
            self.unit()
        }
    }
}

/// Shows a percentage the way coverage.py does: rounded to `precision` places, but never shown as 0 or 100 unless it
/// is exactly that (99.9999 shows as 99 at precision 0).
pub fn display_percent(pc: f64, precision: usize) -> String {
    let near0 = 1.0 / 10f64.powi(precision as i32);
    let shown = if pc > 0.0 && pc < near0 {
        near0
    } else if pc > 100.0 - near0 && pc < 100.0 {
        100.0 - near0
    } else {
        pc
    };
    // Rust's `{:.N}` rounds the exact binary value half-to-even, as Python's `round()` and `%` formatting do.
    format!("{shown:.precision$}")
}

/// Shows a change in percentage points with its sign (`+1.50`, `-0.25`); a change that rounds to nothing is shown
/// unsigned (`0.00`, never `-0.00`).
pub fn display_delta(points: f64, precision: usize) -> String {
    let shown = format!("{:.precision$}", points.abs());
    if shown.trim_start_matches(['0', '.']).is_empty() {
        shown
    } else if points > 0.0 {
        format!("+{shown}")
    } else {
        format!("-{shown}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Block, BlockCount};

    #[test]
    fn display_matches_coverage_py_rounding() {
        assert_eq!(display_percent(62.5, 0), "62");
        assert_eq!(display_percent(63.5, 0), "64");
        assert_eq!(display_percent(99.9999, 0), "99");
        assert_eq!(display_percent(0.0001, 0), "1");
        assert_eq!(display_percent(100.0, 0), "100");
        assert_eq!(display_percent(0.0, 2), "0.00");
        assert_eq!(display_percent(85.714285, 2), "85.71");
    }

    #[test]
    fn deltas_carry_a_sign_unless_they_round_to_nothing() {
        assert_eq!(display_delta(1.5, 2), "+1.50");
        assert_eq!(display_delta(-0.25, 2), "-0.25");
        assert_eq!(display_delta(-0.001, 2), "0.00");
        assert_eq!(display_delta(0.0, 1), "0.0");
    }

    #[test]
    fn coverage_py_rule_counts_branches() {
        let f = crate::model::testing::python_file_with_partial_branch();
        let s = Summary::of_file(&f);
        assert_eq!(
            (
                s.covered,
                s.total,
                s.branches_covered,
                s.branches_total,
                s.partial_branches
            ),
            (2, 3, 1, 2, 1)
        );
        assert_eq!(s.percent(), 100.0 * 3.0 / 5.0);
    }

    #[test]
    fn go_rule_weights_blocks_by_statements() {
        let mut f = FileCoverage::new(PercentRule::Statements);
        let b = |l| Block {
            start_line: l,
            start_col: 1,
            end_line: l,
            end_col: 9,
        };
        f.blocks.insert(
            b(1),
            BlockCount {
                statements: 3,
                count: 1,
            },
        );
        f.blocks.insert(
            b(2),
            BlockCount {
                statements: 1,
                count: 0,
            },
        );
        let s = Summary::of_file(&f);
        assert_eq!((s.covered, s.total), (3, 4));
        assert_eq!(s.percent(), 75.0);
    }

    #[test]
    fn nothing_measurable_is_full_coverage() {
        assert_eq!(Summary::of_file(&FileCoverage::default()).percent(), 100.0);
    }
}
