//! The whole report: which files get pages, their figures with the pre-submit overlay, rendering on all cores, and
//! publishing the folder so that a half-written report is never left where a complete one is expected.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::index::{self, Index, IndexRow};
use super::names::{PAGE_DIR, page_names};
use super::overlay::HtmlOverlay;
use super::page::{self, FilePage, Source};
use crate::error::{Error, Result};
use crate::model::{Coverage, FileCoverage, Summary};
use crate::render::Table;
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

/// Renders the report of `coverage` with sources read under `root`, into `out_dir` (created or replaced whole).
pub fn write_report(coverage: &Coverage, root: &Path, options: &HtmlOptions, out_dir: &Path) -> Result<HtmlStats> {
    let rendered = render_report(coverage, options, &|path| read_source(root, path));
    publish(&rendered, out_dir)?;
    Ok(rendered.stats)
}

/// A rendered report: `(relative path, content)` of every page, index first.
#[derive(Clone, Debug)]
pub struct Rendered {
    pub pages: Vec<(String, String)>,
    pub stats: HtmlStats,
}

/// Renders every page in memory; `source` finds a file's source (see [`read_source`]).
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

/// Reads the source of `path` (a key of the coverage data) from under `root`. A path that resolves outside the root
/// (`../x`, an absolute path, a symlink out) is not read: a report is published, and coverage data must not be able
/// to copy arbitrary files of the build machine into it.
pub fn read_source(root: &Path, path: &str) -> Source {
    let candidate = root.join(path);
    let resolved = match candidate.canonicalize() {
        Ok(p) => p,
        Err(e) => return Source::Unavailable(format!("cannot read {path}: {}", io_reason(&e))),
    };
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    if !resolved.starts_with(&root) {
        return Source::Unavailable(format!("{path} is outside the repository root"));
    }
    // Reading a FIFO would block the report for ever, and a device could be endless.
    match std::fs::metadata(&resolved) {
        Ok(meta) if !meta.is_file() => {
            return Source::Unavailable(format!(
                "{path} is {}, not a regular file",
                crate::fsutil::file_kind(&meta)
            ));
        }
        _ => {}
    }
    match std::fs::read(&resolved) {
        Ok(bytes) => Source::Text(bytes),
        Err(e) => Source::Unavailable(format!("cannot read {path}: {}", io_reason(&e))),
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file in the checkout".to_string(),
        _ => e.to_string(),
    }
}

/// Writes `rendered` into a fresh folder beside `out_dir` and renames it into place. An existing `out_dir` is
/// replaced only when it is empty or an earlier prowcov report (it holds [`MARKER`]).
pub fn publish(rendered: &Rendered, out_dir: &Path) -> Result<()> {
    let parent = match out_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| Error::write(&parent, e))?;
    let existing = check_replaceable(out_dir)?;

    let staged = tempfile::Builder::new()
        .prefix(".prowcov-html-")
        .tempdir_in(&parent)
        .map_err(|e| Error::write(out_dir, e))?;
    std::fs::create_dir(staged.path().join(PAGE_DIR)).map_err(|e| Error::write(staged.path(), e))?;
    // Written on one thread: file systems serialise creations in one directory (ext4 takes a lock per directory),
    // and two writers contending for it spent several times the CPU of one, in the kernel.
    // The first failure stops the report (a full disk would fail every later page too); the staged folder is
    // removed when `staged` drops.
    for (rel, html) in &rendered.pages {
        std::fs::write(staged.path().join(rel), html).map_err(|e| Error::write(out_dir.join(rel), e))?;
    }
    let marker = staged.path().join(MARKER);
    std::fs::write(&marker, "a prowcov HTML report; prowcov html may replace this folder\n")
        .map_err(|e| Error::write(marker, e))?;

    // A temporary folder is private (0700); a report is for others to read, Prow's uploader among them.
    crate::fsutil::make_readable(staged.path(), true)?;
    let staged = staged.keep();
    if !existing {
        return std::fs::rename(&staged, out_dir).map_err(|e| {
            let _ = std::fs::remove_dir_all(&staged);
            Error::write(out_dir, e)
        });
    }
    // Swap: the old report moves aside (onto an empty folder, which rename may replace), the new one takes its
    // place, then the old one goes. A reader sees the old report or the new one, never a mix.
    let old = tempfile::Builder::new()
        .prefix(".prowcov-html-old-")
        .tempdir_in(&parent)
        .map_err(|e| Error::write(out_dir, e))?
        .keep();
    if let Err(e) = std::fs::rename(out_dir, &old) {
        let _ = std::fs::remove_dir_all(&staged);
        let _ = std::fs::remove_dir(&old);
        return Err(Error::write(out_dir, e));
    }
    if let Err(e) = std::fs::rename(&staged, out_dir) {
        let _ = std::fs::rename(&old, out_dir);
        let _ = std::fs::remove_dir_all(&staged);
        return Err(Error::write(out_dir, e));
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// Whether `out_dir` exists (and may be replaced); an error when it exists and must not be.
fn check_replaceable(out_dir: &Path) -> Result<bool> {
    let meta = match std::fs::symlink_metadata(out_dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(Error::write(out_dir, e)),
    };
    let refuse = |why: &str| {
        Err(Error::Usage(format!(
            "-o {}: {why}; prowcov html replaces its output folder whole, so it only replaces an empty folder or an \
             earlier prowcov report (hint: choose a new folder)",
            out_dir.display()
        )))
    };
    if !meta.is_dir() {
        return refuse("exists and is not a folder");
    }
    let empty = std::fs::read_dir(out_dir)
        .map_err(|e| Error::read(out_dir, e))?
        .next()
        .is_none();
    if !empty && !out_dir.join(MARKER).is_file() {
        return refuse("is a folder that is not a prowcov report");
    }
    Ok(true)
}
