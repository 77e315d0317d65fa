//! The sections of the comment, each a complete piece of Markdown: the top (marker, headline figures, gate,
//! baseline), the changed-files table as a header and one string per row (so the caller can cut between rows), and
//! the tail (collapsed sections, explanation, `/test` hint, report link), whose lists each have a fixed share of the
//! body.

use std::cmp::Ordering;
use std::fmt::Write as _;

use super::format::{count, link, name, percent, short_sha, signed, summary_cell};
use super::links::{Pages, encode_url, is_web_url};
use super::marker::{job_name, marker};
use super::{BaselineInfo, CommentInput, PreviousPush};
use crate::analysis::FileDiff;
use crate::analysis::changes::ChangeStatus;
use crate::analysis::gate::{RuleKind, RuleResult};
use crate::analysis::views::{ViewKind, ViewReport};
use crate::render::markdown::escape;

/// Bytes each collapsed list may use; three lists and the fixed text leave more than half the body to the table.
const SECTION_BUDGET: usize = 8_000;

/// Missed-line ranges shown per file; the rest are counted.
const MAX_RANGES: usize = 4;

/// Files listed as moved since the previous push; the rest are counted.
const MAX_MOVED: usize = 50;

/// The most bytes a suites' or components' table takes (200 components fit, with room for the changed files).
const VIEWS_BUDGET: usize = 30_000;

/// Files named under a failed per-file rule; the rest are counted.
const MAX_FAILING_FILES: usize = 10;

/// What is shown for a figure that does not exist (a file absent from a profile).
const NONE: &str = "–";

/// The input with what every section needs: the links and the job name as shown.
pub(super) struct Parts<'i, 'a> {
    input: &'i CommentInput<'a>,
    pages: Pages<'a>,
    job: String,
    p: usize,
}

impl<'i, 'a> Parts<'i, 'a> {
    pub(super) fn new(input: &'i CommentInput<'a>) -> Parts<'i, 'a> {
        let report = input.report;
        // Pages exist for what the head measures: the changed files always, the other files in an all-files report.
        let changed = report
            .files
            .iter()
            .filter(|f| f.status != ChangeStatus::Deleted && f.head.is_some())
            .map(|f| f.path.as_str());
        let indirect = report
            .indirect
            .iter()
            .filter(|c| input.links.html_all_files && c.head.is_some())
            .map(|c| c.path.as_str());
        Parts {
            pages: Pages::new(input.links.html_report.as_deref(), changed.chain(indirect)),
            job: job_name(input.job),
            p: input.precision,
            input,
        }
    }

    fn baseline(&self) -> Option<&BaselineInfo> {
        self.input.baseline.as_ref()
    }

    /// The marker, the heading, the headline figures, the baseline and the gate.
    pub(super) fn top(&self) -> String {
        let report = self.input.report;
        let p = self.p;
        let mut s = marker(self.input.job, self.input.head_sha);
        let has_rules = !report.gate.rules.is_empty() || report.views.iter().any(|v| v.gate.is_some());
        let verdict = match (!has_rules, report.passed()) {
            (true, _) => "",
            (false, true) => " · ✅ gate passed",
            (false, false) => " · ❌ gate failed",
        };
        let _ = write!(
            s,
            "\n## Coverage · `{}` · {}{verdict}\n\n",
            self.job,
            short_sha(self.input.head_sha)
        );
        if let Some(status) = self.input.head_tests_failed {
            // An exit status cannot tell a suite that ran to the end with failures from one that stopped early, so
            // the words hold for both.
            let _ = writeln!(
                s,
                "> [!WARNING]\n> The tests failed (exit status {status}). The coverage below is what the test run \
                 measured, failing tests included; if the run stopped early, the code it did not reach shows as \
                 missed.\n"
            );
        }

        let head = &report.head;
        let _ = write!(s, "- **Total**: **{}**", percent(head.percent(), p));
        if self.baseline().is_some() {
            let _ = write!(
                s,
                " (**{}** points against the baseline's {})",
                signed(report.delta, p),
                percent(report.base.percent(), p)
            );
        }
        let _ = write!(s, ", {} of {} {} covered", head.covered, head.total, head.unit());
        if head.branches_total > 0 {
            let _ = write!(s, ", {} of {} branches", head.branches_covered, head.branches_total);
        }
        s.push('\n');

        let patch = &report.patch;
        match patch.display(p) {
            Some(shown) => {
                let _ = writeln!(
                    s,
                    "- **Patch**: **{shown}%** of changed lines ran ({} of the {} that coverage measures)",
                    patch.covered, patch.total
                );
            }
            None => s.push_str(
                "- **Patch**: no changed line is measured (only lines coverage does not count, such as comments and \
                 blank lines, or files outside the profiles, changed)\n",
            ),
        }

        if let Some(previous) = &self.input.previous {
            s.push_str(&self.since_previous(previous));
        }

        let base_sha = short_sha(&report.refs.base_sha);
        match self.baseline() {
            Some(b) => {
                let behind = match b.commits_behind {
                    Some(0) => format!("the PR's base {base_sha} itself"),
                    Some(n) => format!(
                        "{} behind the PR's base {base_sha}",
                        count(n as usize, "commit", "commits")
                    ),
                    None => format!(
                        "not a known ancestor of the PR's base {base_sha}, so deltas may include changes this PR did \
                         not make"
                    ),
                };
                let build = b.build_url.as_deref().filter(|u| is_web_url(u)).map(encode_url);
                let build = build.map(|u| format!(" ([build]({u}))")).unwrap_or_default();
                let branch = b
                    .other_branch
                    .as_deref()
                    .map(|other| format!(", recorded for branch {}", escape(other)))
                    .unwrap_or_default();
                let _ = writeln!(
                    s,
                    "- **Baseline**: post-submit coverage of {}, {behind}{branch}{build}",
                    short_sha(&b.sha)
                );
                if b.tests_failed {
                    s.push_str(
                        "  ⚠️ The baseline build's tests failed: its figures may be low and these deltas high.\n",
                    );
                }
            }
            None => {
                let _ = writeln!(
                    s,
                    "- **Baseline**: none exists yet for the PR's base {base_sha}, so this comment shows head and \
                     patch coverage only, without deltas"
                );
            }
        }

        if !report.gate.rules.is_empty() {
            let failed = report.gate.rules.iter().filter(|r| !r.passed).count();
            if failed == 0 {
                s.push_str("\n**Gate passed**:\n\n");
            } else {
                let _ = write!(
                    s,
                    "\n**Gate failed**: {failed} of {} failed\n\n",
                    count(report.gate.rules.len(), "rule", "rules")
                );
            }
            for rule in &report.gate.rules {
                let mark = if rule.passed { "✅ passed" } else { "❌ **failed**" };
                let _ = writeln!(s, "- {mark}: {}", rule_text(rule, p));
            }
        }
        s
    }

    /// The changed files the profiles measure, most missed changed lines first, then by path.
    fn table_files(&self) -> Vec<&'a FileDiff> {
        let mut files: Vec<&FileDiff> = self.input.report.files.iter().filter(|f| f.measured()).collect();
        files.sort_by(|a, b| missed(b).cmp(&missed(a)).then_with(|| a.path.cmp(&b.path)));
        files
    }

    /// The line (and collapsed list of moved files) comparing this push with the PR's previous one.
    fn since_previous(&self, previous: &PreviousPush) -> String {
        let p = self.p;
        let d = &previous.delta;
        let mut s = format!(
            "- **Since the previous push** {} (build {}): **{}** points, from {} to {}",
            short_sha(&previous.sha),
            escape(&previous.build_id),
            signed(d.delta(), p),
            percent(d.before.percent(), p),
            percent(d.after.percent(), p)
        );
        let _ = write!(s, ", {} moved", count(d.moved.len(), "file", "files"));
        if previous.force_pushed {
            s.push_str(" (the PR was force-pushed: that commit is not an ancestor of this one)");
        }
        s.push('\n');
        if !d.moved.is_empty() {
            let mut moved: Vec<_> = d.moved.iter().collect();
            moved.sort_by(|a, b| {
                let size = |c: &&crate::analysis::compare::IndirectChange| c.delta.map_or(f64::INFINITY, |x| -x.abs());
                size(a).total_cmp(&size(b)).then_with(|| a.path.cmp(&b.path))
            });
            let rows = moved.iter().take(MAX_MOVED).map(|c| {
                let before = summary_cell(c.base.as_ref(), p, NONE);
                let after = summary_cell(c.head.as_ref(), p, NONE);
                let delta = c.delta.map_or_else(|| NONE.to_string(), |x| signed(x, p));
                format!("| {} | {before} | {after} | {delta} |\n", name(&c.path))
            });
            let mut list = String::from("\n| File | Previous push | This push | Δ |\n| :--- | ---: | ---: | ---: |\n");
            list.extend(rows);
            if moved.len() > MAX_MOVED {
                let _ = writeln!(list, "\n_…and {} more._", moved.len() - MAX_MOVED);
            }
            let _ = write!(
                s,
                "\n<details><summary>Files whose coverage moved since the previous push</summary>\n{list}\n</details>\n\n"
            );
        }
        s
    }

    /// The suites' or components' table, the largest drop first, cut to [`VIEWS_BUDGET`] bytes; empty without
    /// any.
    pub(super) fn views(&self, kind: ViewKind) -> String {
        let p = self.p;
        let mut views: Vec<&ViewReport> = self.input.report.views.iter().filter(|v| v.kind == kind).collect();
        if views.is_empty() {
            return String::new();
        }
        let (title, column, noun) = match kind {
            ViewKind::Suite => ("Suites", "Suite", ("suite", "suites")),
            ViewKind::Component => ("Components", "Component", ("component", "components")),
        };
        // The largest drop first; views without a delta after those with one; then by name.
        views.sort_by(|a, b| match (a.delta, b.delta) {
            (Some(x), Some(y)) => x.total_cmp(&y).then_with(|| a.name.cmp(&b.name)),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => a.name.cmp(&b.name),
        });
        let with_base = self.baseline().is_some();
        let mut s = format!("\n### {title} ({})\n\n", count(views.len(), noun.0, noun.1));
        if with_base {
            let _ = writeln!(
                s,
                "| {column} | Base | Head | Δ | Patch | |\n| :--- | ---: | ---: | ---: | ---: | :--- |"
            );
        } else {
            let _ = writeln!(s, "| {column} | Head | Patch | |\n| :--- | ---: | ---: | :--- |");
        }
        let mut room = VIEWS_BUDGET.saturating_sub(s.len());
        let total = views.len();
        for (shown, v) in views.into_iter().enumerate() {
            let head = if v.head.total > 0 {
                percent(v.head.percent(), p)
            } else {
                NONE.to_string()
            };
            let patch = match v.patch.display(p) {
                Some(shown) => format!("{shown}% ({}/{})", v.patch.covered, v.patch.total),
                None => NONE.to_string(),
            };
            let mut note = String::new();
            if let Some(status) = v.failed {
                let _ = write!(note, "❌ tests failed (exit status {status})");
            }
            if let Some(gate) = &v.gate {
                let failed: Vec<String> = gate
                    .rules
                    .iter()
                    .filter(|r| !r.passed)
                    .map(|r| rule_text(r, p))
                    .collect();
                if !note.is_empty() {
                    note.push_str("; ");
                }
                if failed.is_empty() {
                    note.push_str("✅ gate passed");
                } else {
                    let _ = write!(note, "❌ {}", failed.join("; "));
                }
            }
            let row = if with_base {
                let base = if v.base.total > 0 {
                    percent(v.base.percent(), p)
                } else {
                    NONE.to_string()
                };
                let delta = v.delta.map_or_else(|| NONE.to_string(), |d| signed(d, p));
                format!(
                    "| {} | {base} | {head} | {delta} | {patch} | {note} |\n",
                    escape(&v.name)
                )
            } else {
                format!("| {} | {head} | {patch} | {note} |\n", escape(&v.name))
            };
            // Room for the "and N more" line is kept back.
            if row.len() + 80 > room {
                let _ = writeln!(s, "\n_…and {} more {}._", total - shown, noun.1);
                break;
            }
            room -= row.len();
            s.push_str(&row);
        }
        s
    }

    /// The table's heading and header, and one line per row.
    pub(super) fn file_table(&self) -> (String, Vec<String>) {
        let files = self.table_files();
        let with_base = self.baseline().is_some();
        let mut header = format!(
            "\n### Changed files ({})\n\n",
            count(files.len(), "file measured", "files measured")
        );
        if with_base {
            header.push_str("| File | Base | Head | Δ | Patch | Missed changed lines |\n");
            header.push_str("| :--- | ---: | ---: | ---: | ---: | :--- |\n");
        } else {
            header.push_str("| File | Head | Patch | Missed changed lines |\n");
            header.push_str("| :--- | ---: | ---: | :--- |\n");
        }
        let rows = files.into_iter().map(|f| self.file_row(f, with_base)).collect();
        (header, rows)
    }

    fn file_row(&self, f: &FileDiff, with_base: bool) -> String {
        let p = self.p;
        let page = (f.status != ChangeStatus::Deleted)
            .then(|| self.pages.page(&f.path, None))
            .flatten();
        let mut cell = link(&name(&f.path), page.as_deref());
        match (f.status, &f.old_path) {
            (_, Some(old)) => cell = format!("{} → {cell}", name(old)),
            (ChangeStatus::Added, None) => cell.push_str(" (new)"),
            (ChangeStatus::Deleted, None) => cell.push_str(" (deleted)"),
            _ => {}
        }
        let head = summary_cell(f.head.as_ref(), p, NONE);
        let patch = match f.patch.display(p) {
            Some(shown) => format!("{shown}% ({}/{})", f.patch.covered, f.patch.total),
            None => NONE.to_string(),
        };
        let mut missed = String::new();
        for (i, range) in f.missing_changed_lines.iter().take(MAX_RANGES).enumerate() {
            if i == 0 {
                missed = link(
                    &range.to_string(),
                    self.pages.page(&f.path, Some(range.start)).as_deref(),
                );
            } else {
                let _ = write!(missed, ", {range}");
            }
        }
        let more = f.missing_changed_lines.len().saturating_sub(MAX_RANGES);
        if more > 0 {
            let _ = write!(missed, " and {more} more");
        }
        if with_base {
            let base = summary_cell(f.base.as_ref(), p, NONE);
            let delta = f.delta.map_or_else(|| NONE.to_string(), |d| signed(d, p));
            format!("| {cell} | {base} | {head} | {delta} | {patch} | {missed} |\n")
        } else {
            format!("| {cell} | {head} | {patch} | {missed} |\n")
        }
    }

    /// What stands instead of the table when no changed file is measured.
    pub(super) fn no_files(&self) -> String {
        if self.input.report.files.is_empty() {
            "\nThis PR changes no file that counts for coverage.\n".to_string()
        } else {
            "\nNo changed file is measured by either profile.\n".to_string()
        }
    }

    /// The line after a cut table; `left` rows were left out.
    pub(super) fn more_files(&self, left: usize) -> String {
        let report = match self.pages.index() {
            Some(url) => format!("[the full report]({url})"),
            None => "the full report".to_string(),
        };
        format!("\n_…and {left} more files, with fewer missed changed lines: see {report}._\n")
    }

    /// Collapsed sections, the explanation, the `/test` hint and the report link.
    pub(super) fn tail(&self) -> String {
        let mut s = String::new();
        if self.baseline().is_some() {
            s.push_str(&self.indirect());
        }
        s.push_str(&self.unmeasured());
        s.push_str(&self.skipped());
        let _ = writeln!(
            s,
            "\n<sub>Patch coverage counts the changed lines that coverage measures (not comments or blank lines). \
             Percentages are {}; Δ is in percentage points. Changed files are sorted by missed changed lines, then \
             path.</sub>",
            self.input.report.head.rule.rounding()
        );
        if self.input.prow {
            let _ = writeln!(s, "\nSay `/test {}` to re-run this coverage report.", self.job);
        }
        if let Some(url) = self.pages.index() {
            let _ = writeln!(s, "\n📊 [Full HTML report]({url})");
        }
        s
    }

    /// Files the PR did not touch whose coverage moved, the largest moves first.
    fn indirect(&self) -> String {
        let report = self.input.report;
        if report.indirect.is_empty() {
            return String::new();
        }
        let mut changes: Vec<_> = report.indirect.iter().collect();
        // A file only one profile has (no delta) moved the most.
        let size = |d: Option<f64>| d.map_or(f64::INFINITY, f64::abs);
        changes.sort_by(|a, b| {
            size(b.delta)
                .partial_cmp(&size(a.delta))
                .unwrap_or(Ordering::Equal)
                .then_with(|| a.path.cmp(&b.path))
        });
        let p = self.p;
        let rows = changes.iter().map(|c| {
            let cell = link(&name(&c.path), self.pages.page(&c.path, None).as_deref());
            format!(
                "| {cell} | {} | {} | {} |\n",
                summary_cell(c.base.as_ref(), p, NONE),
                summary_cell(c.head.as_ref(), p, NONE),
                c.delta.map_or_else(|| NONE.to_string(), |d| signed(d, p))
            )
        });
        details(
            &format!(
                "Coverage moved in {} this PR did not change",
                count(changes.len(), "file", "files")
            ),
            "Tests now reach these files differently (or flakily); they do not count toward patch coverage.\n\n\
             | File | Base | Head | Δ |\n| :--- | ---: | ---: | ---: |\n",
            rows,
        )
    }

    /// Changed files neither profile measures.
    fn unmeasured(&self) -> String {
        let files: Vec<&FileDiff> = self.input.report.files.iter().filter(|f| !f.measured()).collect();
        if files.is_empty() {
            return String::new();
        }
        let rows = files.iter().map(|f| {
            let shown = match &f.old_path {
                Some(old) => format!("{} → {}", name(old), name(&f.path)),
                None => name(&f.path),
            };
            format!("| {shown} | {} |\n", f.status.as_str())
        });
        details(
            &format!(
                "{} without coverage data",
                count(files.len(), "changed file", "changed files")
            ),
            "Neither profile measures these. A source file here may mean that its path in the coverage data differs \
             from its path in the repository.\n\n| File | Change |\n| :--- | :--- |\n",
            rows,
        )
    }

    /// Files that do not count, with the reason.
    fn skipped(&self) -> String {
        let skipped = &self.input.report.skipped;
        if skipped.is_empty() {
            return String::new();
        }
        let rows = skipped
            .iter()
            .map(|s| format!("| {} | {} |\n", name(&s.path), escape(&s.reason.to_string())));
        details(
            &format!("{} skipped", count(skipped.len(), "file", "files")),
            "These do not count toward any figure.\n\n| File | Reason |\n| :--- | :--- |\n",
            rows,
        )
    }
}

/// Measured changed lines that did not run.
fn missed(f: &FileDiff) -> u64 {
    f.patch.total.saturating_sub(f.patch.covered)
}

/// A collapsed section: `summary`, then `intro`, then as many `rows` as fit in [`SECTION_BUDGET`], then how many
/// were left out.
fn details(summary: &str, intro: &str, rows: impl ExactSizeIterator<Item = String>) -> String {
    let total = rows.len();
    let mut s = format!("\n<details><summary>{summary}</summary>\n\n{intro}");
    let mut used = 0usize;
    let mut shown = 0usize;
    for row in rows {
        if used + row.len() > SECTION_BUDGET {
            break;
        }
        used += row.len();
        s.push_str(&row);
        shown += 1;
    }
    if shown < total {
        let _ = writeln!(s, "\n_…and {} more._", total - shown);
    }
    s.push_str("\n</details>\n");
    s
}

/// A gate rule spelled out: the figure, the threshold, and for the per-file rule the files below it.
fn rule_text(rule: &RuleResult, p: usize) -> String {
    let t = rule.threshold;
    match (rule.rule, rule.figure) {
        (RuleKind::MinPatch, Some(f)) => format!("patch coverage {} (minimum {t}%)", percent(f, p)),
        (RuleKind::MinPatch, None) => format!("patch coverage: no measured changed line (minimum {t}%)"),
        (RuleKind::MaxDrop, Some(f)) if f > 0.0 => {
            format!(
                "total coverage fell {} points (maximum drop {t})",
                signed(f, p).trim_start_matches('+')
            )
        }
        (RuleKind::MaxDrop, Some(f)) => format!(
            "total coverage did not fall ({} points; maximum drop {t})",
            signed(-f, p)
        ),
        (RuleKind::MaxDrop, None) => format!("total coverage: nothing measured (maximum drop {t})"),
        (RuleKind::MinFile, figure) => {
            let lowest = figure.map_or_else(|| "nothing measured".to_string(), |f| percent(f, p));
            let mut s = format!("lowest changed file {lowest} (minimum {t}% per file)");
            if !rule.failing_files.is_empty() {
                let names: Vec<String> = rule
                    .failing_files
                    .iter()
                    .take(MAX_FAILING_FILES)
                    .map(|f| name(f))
                    .collect();
                let _ = write!(s, "; below it: {}", names.join(", "));
                let more = rule.failing_files.len().saturating_sub(MAX_FAILING_FILES);
                if more > 0 {
                    let _ = write!(s, " and {more} more");
                }
            }
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_spelled_out() {
        let rule = |rule, figure, passed| RuleResult {
            rule,
            threshold: 80.0,
            figure,
            passed,
            failing_files: Vec::new(),
        };
        assert_eq!(
            rule_text(&rule(RuleKind::MinPatch, Some(200.0 / 3.0), false), 2),
            "patch coverage 66.67% (minimum 80%)"
        );
        assert_eq!(
            rule_text(&rule(RuleKind::MaxDrop, Some(1.5), false), 1),
            "total coverage fell 1.5 points (maximum drop 80)"
        );
        assert_eq!(
            rule_text(&rule(RuleKind::MaxDrop, Some(-0.5), true), 1),
            "total coverage did not fall (+0.5 points; maximum drop 80)"
        );
        let mut per_file = rule(RuleKind::MinFile, Some(10.0), false);
        per_file.failing_files = (0..12).map(|i| format!("f{i}_@x.py")).collect();
        let text = rule_text(&per_file, 0);
        assert!(text.ends_with("f9\\_@&#8203;x.py and 2 more"), "{text}");
    }
}
