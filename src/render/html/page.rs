//! One source file's page: the header with the file's figures, then every line with its number (a stable `#L<n>`
//! anchor), hit count, a covered / missed / partial mark that is a symbol as well as a colour, the PR's changed
//! lines in the gutter, and the untaken branches under a partial line. Links in the header (and the keys `j`/`k`,
//! `n`/`p`, through the embedded `assets/page.js`) go to the next or previous run of missed or changed lines.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::escape::{push_escaped, push_escaped_content};
use super::layout;
use crate::model::{FileCoverage, Outcomes, Summary, display_percent};

/// Characters of one source line shown before it is cut (minified code can have megabyte lines).
pub const MAX_LINE_CHARS: usize = 2_000;

/// The source of a file, as found (or not) on disk.
#[derive(Clone, Debug)]
pub enum Source {
    /// The file's bytes; they need not be UTF-8.
    Text(Vec<u8>),
    /// Why there is no source to show (missing, unreadable, outside the repository root).
    Unavailable(String),
}

/// Everything one file page shows.
#[derive(Clone, Copy, Debug)]
pub struct FilePage<'a> {
    pub path: &'a str,
    pub file: &'a FileCoverage,
    pub summary: &'a Summary,
    pub source: &'a Source,
    /// The lines the PR changed in this file, when an overlay is given.
    pub changed: Option<&'a BTreeSet<u32>>,
    /// Covered and measured changed lines.
    pub patch: Option<(u64, u64)>,
    pub base_percent: Option<f64>,
    /// The report's title, shown beside the path in the browser tab.
    pub title: &'a str,
    pub timestamp: Option<&'a str>,
}

/// How a measured line did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Covered,
    Missed,
    /// The line ran, but some branch from it was not taken.
    Partial,
}

impl Status {
    fn class_mark_and_label(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Status::Covered => ("c", "\u{2713}", "covered"),
            Status::Missed => ("m", "\u{2717}", "missed"),
            Status::Partial => ("p", "\u{25d0}", "partially covered: some branches not taken"),
        }
    }
}

/// Renders the page of one file (it lives one folder below the index).
pub fn render(page: &FilePage<'_>) -> String {
    let mut out = String::with_capacity(4096);
    layout::open(&mut out, &format!("{} \u{2014} {}", page.path, page.title), false);
    header(&mut out, page);
    out.push_str("<main>\n");
    let text = match page.source {
        Source::Text(bytes) => Some(String::from_utf8_lossy(bytes)),
        Source::Unavailable(reason) => {
            out.push_str("<p class=\"note\" id=\"no-source\">Source not available: ");
            push_escaped(&mut out, reason);
            out.push_str(". Only the measured lines are listed.</p>\n");
            None
        }
    };
    let source_lines: Vec<&str> = text.as_deref().map(|t| t.lines().collect()).unwrap_or_default();
    let last_measured = page.file.lines.keys().next_back().copied().unwrap_or(0);
    if text.is_some() && last_measured as usize > source_lines.len() {
        let _ = writeln!(
            out,
            "<p class=\"note\">The coverage data measures line {last_measured}, but the source has {} lines: it may \
             not be the source that was measured.</p>",
            source_lines.len()
        );
    }
    out.push_str("<table class=\"src\">\n<tbody>\n");
    let rows: Box<dyn Iterator<Item = u32>> = if text.is_some() {
        // Every source line, then only the measured lines beyond the source's end: a line number of 4 billion in the
        // data is one row, not 4 billion.
        let n = u32::try_from(source_lines.len()).unwrap_or(u32::MAX);
        Box::new((1..=n).chain(page.file.lines.range(n.saturating_add(1)..).map(|(&l, _)| l)))
    } else {
        Box::new(page.file.lines.keys().copied())
    };
    for n in rows {
        let code = source_lines.get((n as usize).wrapping_sub(1)).copied().unwrap_or("");
        line_row(&mut out, page, n, code);
    }
    out.push_str("</tbody>\n</table>\n</main>\n");
    layout::push_script(&mut out, layout::PAGE_JS);
    layout::close(&mut out, page.timestamp);
    out
}

fn header(out: &mut String, page: &FilePage<'_>) {
    let s = page.summary;
    out.push_str("<header>\n<nav><a href=\"../index.html\">\u{2190} All files</a></nav>\n<h1>");
    push_escaped(out, page.path);
    out.push_str("</h1>\n<p class=\"figures\">");
    layout::push_figures(out, s, true);
    if let Some(base) = page.base_percent {
        let _ = write!(out, " <span>base {}%</span>", display_percent(base, 1));
    }
    if let Some((covered, total)) = page.patch {
        let _ = write!(out, " <span>patch {covered} of {total} changed lines");
        if total > 0 {
            let _ = write!(out, " ({}%)", display_percent(100.0 * covered as f64 / total as f64, 1));
        }
        out.push_str("</span>");
    }
    out.push_str(
        "</p>\n<p class=\"legend\"><span class=\"c\">\u{2713} covered</span> <span class=\"m\">\u{2717} missed</span> \
                  <span class=\"p\">\u{25d0} partial</span>",
    );
    if page.changed.is_some() {
        out.push_str(" <span class=\"on\">+ changed in this PR</span>");
    }
    out.push_str("</p>\n");
    jump_links(out, page);
    out.push_str("</header>\n");
}

/// Links to the first missed (or partial) line and the first changed line; the page's script makes them (and the
/// keys `j`/`k`, `n`/`p`) go to the next and previous run from where the reader is.
fn jump_links(out: &mut String, page: &FilePage<'_>) {
    let missed = page.file.lines.iter().find(|&(line, &hits)| {
        hits == 0
            || page
                .file
                .branches
                .get(line)
                .is_some_and(|b| b.values().any(|h| !matches!(h, Some(x) if *x > 0)))
    });
    let changed = page.changed.and_then(|c| c.iter().next());
    if missed.is_none() && changed.is_none() {
        return;
    }
    out.push_str("<nav class=\"jump\">");
    if let Some((line, _)) = missed {
        let _ = write!(
            out,
            "<a href=\"#L{line}\" data-jump=\"m\">next missed line</a> (<kbd>j</kbd>/<kbd>k</kbd>)"
        );
    }
    if let Some(line) = changed {
        if missed.is_some() {
            out.push_str(" \u{b7} ");
        }
        let _ = write!(
            out,
            "<a href=\"#L{line}\" data-jump=\"c\">next changed line</a> (<kbd>n</kbd>/<kbd>p</kbd>)"
        );
    }
    out.push_str("</nav>\n");
}

fn line_row(out: &mut String, page: &FilePage<'_>, n: u32, code: &str) {
    let hits = page.file.lines.get(&n).copied();
    let branches = page.file.branches.get(&n);
    let untaken = branches.map_or(0, |b| b.values().filter(|h| !matches!(h, Some(x) if *x > 0)).count());
    let status = hits.map(|h| match h {
        0 => Status::Missed,
        _ if untaken > 0 => Status::Partial,
        _ => Status::Covered,
    });
    let changed = page.changed.is_some_and(|c| c.contains(&n));
    // Rows are the bulk of the report's bytes: end tags are omitted (HTML allows it for cells and rows) and columns
    // are styled by position; the mark symbol carries the status, the legend explains it.
    // The attribute values here are digits and fixed letters, so they need no quotes either.
    let _ = write!(out, "<tr id=L{n}");
    if let Some(st) = status {
        let _ = write!(out, " class={}", st.class_mark_and_label().0);
    }
    out.push_str(if changed { "><td class=on>+" } else { "><td>" });
    let _ = write!(out, "<td><a href=#L{n}>{n}</a><td>");
    if let Some(h) = hits {
        let _ = write!(out, "{h}");
    }
    match status {
        Some(Status::Partial) => {
            let (_, mark, label) = Status::Partial.class_mark_and_label();
            let _ = write!(out, "<td title=\"{label}\">{mark}<td>");
        }
        Some(st) => {
            let _ = write!(out, "<td>{}<td>", st.class_mark_and_label().1);
        }
        None => out.push_str("<td><td>"),
    }
    let code = code.strip_suffix('\r').unwrap_or(code);
    match code.char_indices().nth(MAX_LINE_CHARS) {
        Some((cut, _)) => {
            push_escaped_content(out, &code[..cut]);
            let more = code[cut..].chars().count();
            let _ = write!(
                out,
                "<span class=\"cut\">\u{2026} {more} more characters not shown</span>"
            );
        }
        None => push_escaped_content(out, code),
    }
    if let (Some(outcomes), Some(Status::Partial | Status::Missed)) = (branches, status)
        && untaken > 0
    {
        branch_detail(out, n, outcomes);
    }
    out.push('\n');
}

/// Lists the untaken outcomes of a line: coverage.py arcs name their destination; other formats only an id.
fn branch_detail(out: &mut String, line: u32, outcomes: &Outcomes) {
    out.push_str("<ul class=\"br\">");
    for (id, hits) in outcomes {
        if matches!(hits, Some(x) if *x > 0) {
            continue;
        }
        out.push_str("<li>");
        let arc = id
            .split_once("->")
            .and_then(|(a, b)| Some((a.parse::<i64>().ok()?, b.parse::<i64>().ok()?)));
        match arc {
            Some((_, to)) if to > 0 => {
                let _ = write!(out, "line {line} didn't jump to <a href=\"#L{to}\">line {to}</a>");
            }
            Some(_) => {
                let _ = write!(out, "line {line} didn't exit the code object");
            }
            None => {
                out.push_str("branch ");
                push_escaped(out, id);
                out.push_str(if hits.is_none() {
                    " never evaluated"
                } else {
                    " not taken"
                });
            }
        }
        out.push_str("</li>");
    }
    out.push_str("</ul>");
}
