//! Reports onto the disk: the HTML report rendered by `render::html` from sources read under the root (never from
//! outside it), then published as a whole folder by `fsutil`, so that a half-written report is never left where a
//! complete one is expected.

use std::path::Path;

use crate::error::Result;
use crate::fsutil::{self, Folder};
use crate::model::Coverage;
use crate::render::html::{self, HtmlOptions, HtmlStats, MARKER, Source};
use crate::zipsource;

/// Renders the report of `coverage`, with sources read under `root`, into `out_dir` (created or replaced whole).
pub fn html_report(coverage: &Coverage, root: &Path, options: &HtmlOptions, out_dir: &Path) -> Result<HtmlStats> {
    let rendered = html::render_report(coverage, options, &|path| read_source(root, path));
    fsutil::publish_dir(
        &Folder {
            files: &rendered.pages,
            marker: (MARKER, "a prowcov HTML report; prowcov html may replace this folder\n"),
            made_by: "prowcov html",
        },
        out_dir,
    )?;
    Ok(rendered.stats)
}

/// The source of `path` (a key of the coverage data) under `root`, or why there is none to show. A module imported
/// from a zip (`lib.zip/pkg/mod.py`) is read from the archive, as coverage.py renders it.
pub fn read_source(root: &Path, path: &str) -> Source {
    match fsutil::read_under(root, path) {
        Ok(bytes) => Source::Text(bytes),
        Err(why) => match zipsource::split_archive(root, path) {
            Some((archive, member)) => match fsutil::read_under(root, archive) {
                Ok(bytes) => match zipsource::member(&bytes, member) {
                    Ok(text) => Source::Text(text),
                    Err(why) => Source::Unavailable(format!("cannot read {path}: {why}")),
                },
                Err(why) => Source::Unavailable(why),
            },
            None => Source::Unavailable(why),
        },
    }
}
