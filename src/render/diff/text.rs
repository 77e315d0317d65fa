//! The text diff report: refs, patch coverage, totals, the changed files, indirect changes, skipped files and the
//! gate, in that order. Also the figure formatting the markdown report shares.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::DiffRenderOptions;
use crate::analysis::DiffReport;
use crate::analysis::gate::{RuleKind, RuleResult};
use crate::analysis::patch::LineRange;
use crate::model::{Summary, display_delta, display_percent};
use crate::render::text::printable;

/// A percentage as shown, `-` when unknown.
pub(super) fn pc(value: Option<f64>, precision: usize) -> String {
    value.map_or_else(|| "-".to_string(), |v| format!("{}%", display_percent(v, precision)))
}

/// A summary's percentage, `-` for a file the profile does not have.
pub(super) fn summary_pc(summary: Option<&Summary>, precision: usize) -> String {
    pc(summary.map(Summary::percent), precision)
}

/// A delta in points with its sign (`+1.50`, `-0.25`, `0.00`), `-` when unknown.
pub(super) fn signed(value: Option<f64>, precision: usize) -> String {
    value.map_or_else(|| "-".to_string(), |v| display_delta(v, precision))
}

/// Ranges joined as `2-4, 8`.
pub(super) fn ranges(ranges: &[LineRange]) -> String {
    ranges.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// A rule as a sentence fragment: `patch coverage 75.00% >= 80%`.
pub fn rule_text(rule: &RuleResult, precision: usize) -> String {
    let t = rule.threshold;
    match rule.rule {
        RuleKind::MinPatch => format!("patch coverage {} (minimum {t}%)", pc(rule.figure, precision)),
        RuleKind::MaxDrop => format!(
            "total coverage drop {} points (maximum {t})",
            signed(rule.figure, precision)
        ),
        RuleKind::MinFile => {
            let mut s = format!(
                "lowest changed file {} (minimum {t}% per file)",
                pc(rule.figure, precision)
            );
            if !rule.failing_files.is_empty() {
                let _ = write!(s, ": below it {}", rule.failing_files.join(", "));
            }
            s
        }
    }
}

/// Writes the report as text.
pub fn write(report: &DiffReport, options: DiffRenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let p = options.precision;
    let r = &report.refs;
    let short = |sha: &str| sha.chars().take(12).collect::<String>();
    let mut text = String::new();
    let _ = writeln!(
        text,
        "Base {} ({}) {}, merge-base {}, head {} {}",
        printable(&r.base_ref),
        r.base_source,
        short(&r.base_sha),
        short(&r.merge_base_sha),
        printable(&r.head_ref),
        short(&r.head_sha)
    );
    let _ = writeln!(
        text,
        "Patch coverage: {} ({} of {} measured changed lines ran)",
        pc(report.patch.percent(), p),
        report.patch.covered,
        report.patch.total
    );
    let _ = writeln!(
        text,
        "Total coverage: {} -> {} ({})",
        summary_pc(Some(&report.base), p),
        summary_pc(Some(&report.head), p),
        signed(Some(report.delta), p)
    );

    let measured: Vec<_> = report.files.iter().filter(|f| f.measured()).collect();
    if !measured.is_empty() {
        let header = [
            "File",
            "Status",
            "Base",
            "Head",
            "Delta",
            "Patch",
            "Missing changed lines",
        ];
        let mut rows: Vec<[String; 7]> = vec![header.map(String::from)];
        for f in &measured {
            let name = match &f.old_path {
                Some(old) => format!("{} (from {})", printable(&f.path), printable(old)),
                None => printable(&f.path),
            };
            rows.push([
                name,
                f.status.as_str().to_string(),
                summary_pc(f.base.as_ref(), p),
                summary_pc(f.head.as_ref(), p),
                signed(f.delta, p),
                format!("{}/{} {}", f.patch.covered, f.patch.total, pc(f.patch.percent(), p)),
                ranges(&f.missing_changed_lines),
            ]);
        }
        text.push('\n');
        write_table(&mut text, &rows);
    }
    let unmeasured = report.files.len() - measured.len();
    if unmeasured > 0 {
        let _ = writeln!(text, "\n{unmeasured} changed file(s) are in neither profile.");
    }
    if !report.indirect.is_empty() {
        let _ = writeln!(text, "\nIndirect changes (coverage moved, file not changed):");
        for c in &report.indirect {
            let _ = writeln!(
                text,
                "  {}: {} -> {} ({})",
                printable(&c.path),
                summary_pc(c.base.as_ref(), p),
                summary_pc(c.head.as_ref(), p),
                signed(c.delta, p)
            );
        }
    }
    if !report.skipped.is_empty() {
        let _ = writeln!(text, "\nSkipped:");
        for s in &report.skipped {
            let _ = writeln!(text, "  {}: {}", printable(&s.path), s.reason);
        }
    }
    if !report.gate.rules.is_empty() {
        let verdict = if report.gate.passed { "passed" } else { "FAILED" };
        let _ = writeln!(text, "\nGate {verdict}:");
        for rule in &report.gate.rules {
            let mark = if rule.passed { "pass" } else { "FAIL" };
            let _ = writeln!(text, "  {mark}: {}", rule_text(rule, p));
        }
    }
    out.write_all(text.as_bytes())
}

/// Left-aligned columns two spaces apart; the first row is the header, underlined.
fn write_table(text: &mut String, rows: &[[String; 7]]) {
    let mut widths = [0usize; 7];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for (i, row) in rows.iter().enumerate() {
        let line: Vec<String> = row.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
        let _ = writeln!(text, "{}", line.join("  ").trim_end());
        if i == 0 {
            let total = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
            let _ = writeln!(text, "{}", "-".repeat(total));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_carry_a_sign_and_never_show_minus_zero() {
        assert_eq!(signed(Some(1.5), 2), "+1.50");
        assert_eq!(signed(Some(-0.25), 2), "-0.25");
        assert_eq!(signed(Some(-0.001), 2), "0.00");
        assert_eq!(signed(None, 2), "-");
    }
}
