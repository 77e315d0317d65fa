//! The whole report: which files get pages, their figures with the pre-submit overlay, rendered on all cores into
//! memory. Pure: the caller finds the sources (`source`) and publishes the pages (`publish::html_report`).

use std::collections::BTreeMap;

use super::index::{self, Index, IndexRow};
use super::names::{PAGE_DIR, page_names};
use super::overlay::HtmlOverlay;
use super::page::{self, FilePage, Source};
use crate::model::Table;
use crate::model::{Coverage, FileCoverage, Summary};
use crate::render::dirs::directory_summaries;

/// The file that marks a folder as a prowcov HTML report, so that an existing one may be replaced and nothing else
/// ever is.
pub const MARKER: &str = ".prowcov-html";

/// How the report is made.
#[derive(Clone, Debug, Default)]
pub struct HtmlOptions {
    pub title: String,
    /// `(label, url)` links shown under the title (for example the Prow job or the baseline report); only http(s)
    /// URLs are kept.
    pub links: Vec<(String, String)>,
    /// The generation time to print; `None` keeps the output byte-for-byte reproducible.
    pub timestamp: Option<String>,
    pub overlay: Option<HtmlOverlay>,
    /// Only the files the overlay lists get pages and rows.
    pub changed_only: bool,
    /// Total coverage over time, oldest first, as `(label, percent)`.
    pub history: Vec<(String, f64)>,
}

/// What a finished report holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HtmlStats {
    pub pages: usize,
    /// Pages whose source could not be shown.
    pub missing_sources: usize,
}

/// A rendered report: `(relative path, content)` of every page, index first.
#[derive(Clone, Debug)]
pub struct Rendered {
    pub pages: Vec<(String, String)>,
    pub stats: HtmlStats,
}

/// Renders every page in memory; `source` finds a file's source (`publish::read_source` reads it under the root).
pub fn render_report(coverage: &Coverage, options: &HtmlOptions, source: &(dyn Fn(&str) -> Source + Sync)) -> Rendered {
    let table = Table::new(coverage);
    let overlay = options.overlay.as_ref();
    let rows: Vec<_> = table
        .rows
        .iter()
        .filter(|r| !options.changed_only || overlay.is_some_and(|o| o.changed_lines.contains_key(r.path)))
        .collect();
    let names = page_names(rows.iter().map(|r| r.path));
    let page_of = |path: &str| names.get(path).map_or("", String::as_str);
    let patch_of = |path: &str, file: &FileCoverage| -> Option<(u64, u64)> {
        let o = overlay?;
        if let Some(p) = o.patch.get(path) {
            return Some(*p);
        }
        let changed = o.changed_lines.get(path)?;
        Some(changed.iter().fold((0, 0), |(c, t), line| match file.lines.get(line) {
            Some(&hits) => (c + u64::from(hits > 0), t + 1),
            None => (c, t),
        }))
    };

    let jobs: Vec<(&str, &FileCoverage, Summary)> = rows.iter().map(|r| (r.path, r.file, r.summary)).collect();
    let render_one = |&(path, file, summary): &(&str, &FileCoverage, Summary)| {
        let src = source(path);
        let missing = matches!(src, Source::Unavailable(_));
        let html = page::render(&FilePage {
            path,
            file,
            summary: &summary,
            source: &src,
            changed: overlay.and_then(|o| o.changed_lines.get(path)),
            patch: patch_of(path, file),
            base_percent: overlay.and_then(|o| o.base_percent.get(path).copied()),
            title: &options.title,
            timestamp: options.timestamp.as_deref(),
        });
        (format!("{PAGE_DIR}/{}", page_of(path)), html, missing)
    };
    let file_pages = in_parallel(&jobs, render_one);

    let index_rows: Vec<IndexRow<'_>> = rows
        .iter()
        .map(|r| IndexRow {
            path: r.path,
            page: page_of(r.path),
            summary: r.summary,
            base_percent: overlay.and_then(|o| o.base_percent.get(r.path).copied()),
            patch: patch_of(r.path, r.file),
        })
        .collect();
    let total = Summary::sum(index_rows.iter().map(|r| &r.summary));
    let total_patch = overlay.map(|_| {
        index_rows
            .iter()
            .filter_map(|r| r.patch)
            .fold((0, 0), |(c, t), (pc, pt)| (c + pc, t + pt))
    });
    let dir_sums = directory_summaries(index_rows.iter().map(|r| (r.path, r.summary)));
    let html = index::render(&Index {
        title: &options.title,
        links: &options.links,
        timestamp: options.timestamp.as_deref(),
        rows: index_rows.clone(),
        total,
        base_columns: overlay.is_some_and(|o| !o.base_percent.is_empty()),
        patch_column: overlay.is_some(),
        changed_only: options.changed_only,
        total_patch,
        unmeasured_changes: overlay
            .map(|o| {
                o.changed_lines
                    .keys()
                    .filter(|p| !coverage.files.contains_key(*p))
                    .map(String::as_str)
                    .collect()
            })
            .unwrap_or_default(),
        dirs: chart_dirs(&dir_sums),
        history: &options.history,
    });

    let mut stats = HtmlStats::default();
    let mut pages = Vec::with_capacity(file_pages.len() + 1);
    pages.push(("index.html".to_string(), html));
    for (name, html, missing) in file_pages {
        stats.pages += 1;
        stats.missing_sources += usize::from(missing);
        pages.push((name, html));
    }
    Rendered { pages, stats }
}

/// The directories the chart shows: the shallowest level with more than one directory (down to three levels), the
/// largest [`super::charts::MAX_BARS`] of them by measured lines, in name order.
fn chart_dirs(dirs: &BTreeMap<String, Summary>) -> Vec<(&str, Summary)> {
    let depth = |d: &str| d.trim_start_matches('/').matches('/').count();
    let level = (0..3)
        .find(|&l| dirs.keys().filter(|d| depth(d) == l).count() > 1)
        .unwrap_or(0);
    let mut chosen: Vec<(&str, Summary)> = dirs
        .iter()
        .filter(|(d, _)| depth(d) == level)
        .map(|(d, s)| (d.as_str(), *s))
        .collect();
    if chosen.len() > super::charts::MAX_BARS {
        chosen.sort_by(|a, b| b.1.total.cmp(&a.1.total).then_with(|| a.0.cmp(b.0)));
        chosen.truncate(super::charts::MAX_BARS);
        chosen.sort_by(|a, b| a.0.cmp(b.0));
    }
    chosen
}

/// Maps `f` over `items` on all cores, keeping the order.
fn in_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    crate::parallel::map_chunks(items, 8, |chunk| chunk.iter().map(&f).collect::<Vec<_>>())
        .into_iter()
        .flatten()
        .collect()
}
