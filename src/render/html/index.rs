//! The index page: title and links, totals, coverage by directory and over time, and the sortable, searchable table
//! of files (with base, delta and patch columns in a pre-submit).

use std::fmt::Write as _;

use super::charts;
use super::escape::{push_escaped, safe_url};
use super::layout;
use crate::analysis::patch::PatchFigures;
use crate::model::{Summary, display_percent};

/// One file's row of the index.
#[derive(Clone, Debug)]
pub struct IndexRow<'a> {
    pub path: &'a str,
    /// The page name under the pages folder.
    pub page: &'a str,
    pub summary: Summary,
    pub base_percent: Option<f64>,
    /// Covered and measured changed lines.
    pub patch: Option<(u64, u64)>,
}

/// Everything the index shows.
#[derive(Clone, Debug)]
pub struct Index<'a> {
    pub title: &'a str,
    pub links: &'a [(String, String)],
    pub timestamp: Option<&'a str>,
    pub rows: Vec<IndexRow<'a>>,
    pub total: Summary,
    /// Whether the base and delta columns are shown (the overlay has base figures).
    pub base_columns: bool,
    /// Whether the patch column is shown (an overlay is given).
    pub patch_column: bool,
    /// Only the PR's changed files are listed.
    pub changed_only: bool,
    pub total_patch: Option<(u64, u64)>,
    /// Changed files the coverage data does not measure.
    pub unmeasured_changes: Vec<&'a str>,
    pub dirs: Vec<(&'a str, Summary)>,
    pub history: &'a [(String, f64)],
}

/// Renders the index page.
pub fn render(index: &Index<'_>) -> String {
    let mut out = String::with_capacity(1024 + index.rows.len() * 400);
    layout::open(&mut out, index.title, true);
    out.push_str("<header>\n<h1>");
    push_escaped(&mut out, index.title);
    out.push_str("</h1>\n");
    links(&mut out, index.links);
    totals(&mut out, index);
    out.push_str("</header>\n<main>\n");
    if !index.dirs.is_empty() {
        out.push_str("<section><h2>Coverage by directory</h2>\n");
        charts::directory_bars(&mut out, &index.dirs);
        out.push_str("</section>\n");
    }
    if !index.history.is_empty() {
        out.push_str("<section><h2>Coverage over time</h2>\n");
        charts::history_line(&mut out, index.history);
        out.push_str("</section>\n");
    }
    table(&mut out, index);
    if !index.unmeasured_changes.is_empty() {
        out.push_str("<section><h2>Changed files without coverage data</h2>\n<ul class=\"unmeasured\">");
        for path in &index.unmeasured_changes {
            out.push_str("<li>");
            push_escaped(&mut out, path);
            out.push_str("</li>");
        }
        out.push_str("</ul></section>\n");
    }
    out.push_str("</main>\n");
    layout::close(&mut out, index.timestamp);
    out
}

fn links(out: &mut String, links: &[(String, String)]) {
    let shown: Vec<(String, &str)> = links
        .iter()
        .filter_map(|(label, url)| Some((safe_url(url)?, label.as_str())))
        .collect();
    if shown.is_empty() {
        return;
    }
    out.push_str("<nav class=\"links\">");
    for (url, label) in shown {
        let _ = write!(out, "<a href=\"{url}\">");
        push_escaped(out, label);
        out.push_str("</a> ");
    }
    out.push_str("</nav>\n");
}

fn totals(out: &mut String, index: &Index<'_>) {
    let t = &index.total;
    out.push_str("<p class=\"figures\" id=\"totals\">");
    layout::push_figures(out, t, false);
    if let Some((covered, total)) = index.total_patch {
        let _ = write!(out, " <span>patch {covered} of {total} changed lines");
        if let Some(pc) = (PatchFigures { covered, total }).percent() {
            let _ = write!(out, " ({}%)", display_percent(pc, 1));
        }
        out.push_str("</span>");
    }
    let _ = writeln!(
        out,
        " <span>{} {}</span></p>",
        index.rows.len(),
        if index.changed_only { "changed files" } else { "files" }
    );
}

fn table(out: &mut String, index: &Index<'_>) {
    // The unit column is named as the input's tool names it (Go: statements).
    let unit = match index.total.unit() {
        "statements" => "Statements",
        _ => "Lines",
    };
    let _ = write!(
        out,
        "<section><h2>Files</h2>\n<p><input type=\"search\" id=\"filter\" placeholder=\"Filter files\u{2026}\" \
         aria-label=\"filter files by name\"> <span id=\"shown\"></span></p>\n<table class=\"files\" id=\"files\">\n\
         <thead><tr><th data-sort=\"text\">File</th><th data-sort=\"num\">{unit}</th><th data-sort=\"num\">Covered</th>\
         <th data-sort=\"num\">Missed</th>",
    );
    // Branch mode (coverage.py `--branch`, LCOV `BRDA`, Cobertura conditions): coverage html's two branch columns.
    let branches = index.total.branches_total > 0;
    if branches {
        out.push_str("<th data-sort=\"num\">Branches</th><th data-sort=\"num\">Partial</th>");
    }
    out.push_str("<th data-sort=\"num\">Coverage</th>");
    if index.base_columns {
        out.push_str("<th data-sort=\"num\">Base</th><th data-sort=\"num\">\u{394}</th>");
    }
    if index.patch_column {
        out.push_str("<th data-sort=\"num\">Patch</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &index.rows {
        let s = &row.summary;
        let pct = s.percent();
        out.push_str("<tr><td class=\"name\"><a href=\"files/");
        // Page names are `[A-Za-z0-9._-]` only; escaping them is a formality that keeps the rule local.
        push_escaped(out, row.page);
        out.push_str("\">");
        push_escaped(out, row.path);
        let _ = write!(
            out,
            "</a></td><td>{}</td><td>{}</td><td>{}</td>",
            s.total,
            s.covered,
            s.missing()
        );
        if branches {
            // Sorted by the share of branches taken; a file without branches sorts as complete.
            let taken = if s.branches_total == 0 {
                100.0
            } else {
                100.0 * s.branches_covered as f64 / s.branches_total as f64
            };
            let _ = write!(
                out,
                "<td data-v=\"{taken:.6}\">{} of {}</td><td>{}</td>",
                s.branches_covered, s.branches_total, s.partial_branches
            );
        }
        let _ = write!(
            out,
            "<td class=\"pc {}\" data-v=\"{pct:.6}\">{}%</td>",
            charts::band(pct),
            display_percent(pct, 1)
        );
        if index.base_columns {
            match row.base_percent {
                Some(base) => {
                    // Rounded first, so that a tiny loss never shows as "-0.0".
                    let delta = ((pct - base) * 10.0).round() / 10.0 + 0.0;
                    let _ = write!(
                        out,
                        "<td data-v=\"{base:.6}\">{}%</td><td data-v=\"{delta:.6}\">{}{}</td>",
                        display_percent(base, 1),
                        if delta > 0.0 { "+" } else { "" },
                        format_args!("{delta:.1}")
                    );
                }
                None => out.push_str("<td data-v=\"-1\">new</td><td data-v=\"0\"></td>"),
            }
        }
        if index.patch_column {
            match row
                .patch
                .and_then(|(covered, total)| Some((covered, total, PatchFigures { covered, total }.percent()?)))
            {
                Some((covered, total, p)) => {
                    let _ = write!(
                        out,
                        "<td data-v=\"{p:.6}\">{}% ({covered}/{total})</td>",
                        display_percent(p, 1)
                    );
                }
                _ => out.push_str("<td data-v=\"-1\">\u{2013}</td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}
