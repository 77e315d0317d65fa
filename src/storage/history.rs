//! A periodic job's coverage over time: one `<label> <percent>` line per build in
//! `prowcov-history/<job>/<branch>.txt`, oldest first, the format `prowcov html --history` reads.
//!
//! The file is read, extended and written back without a precondition: two builds of the same periodic job that
//! finish at the same moment (one that outlasted its interval) can lose one point. Set the job's `max_concurrency:
//! 1` to rule that out.

use crate::error::{Error, Result};
use crate::storage::{Store, layout};

/// At most this many points are kept (the newest); two years of daily builds.
pub const MAX_POINTS: usize = 730;

/// Appends `(label, percent)` to the job's history and returns the whole history. A point with the same label (a
/// rerun of the same commit) replaces the earlier one, so reruns do not draw a flat line.
pub fn append(store: &Store, job: &str, branch: &str, label: &str, percent: f64) -> Result<Vec<(String, f64)>> {
    layout::validate_job_and_branch(job, branch).map_err(Error::Usage)?;
    if label.is_empty() || label.contains(char::is_whitespace) {
        return Err(Error::Usage(format!("history label {label:?}: expected one word")));
    }
    let key = layout::history(job, branch);
    let mut points = match store.get(&key)? {
        Some(bytes) => match crate::render::html::parse_history(&String::from_utf8_lossy(&bytes), key.as_ref()) {
            Ok(points) => points,
            Err(e) => {
                // A damaged history must not stop the job, nor be lost: it is kept aside, and a new one started.
                let aside = format!("{key}.damaged-{label}");
                store.put(&aside, bytes)?;
                eprintln!(
                    "warning: {}: {e}; kept it as {} and started a new history",
                    store.url_of(&key),
                    store.url_of(&aside)
                );
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    points.retain(|(l, _)| l != label);
    points.push((label.to_owned(), percent));
    if points.len() > MAX_POINTS {
        points.drain(..points.len() - MAX_POINTS);
    }
    store.put(&key, render(&points).into_bytes())?;
    Ok(points)
}

/// The history's text.
pub fn render(points: &[(String, f64)]) -> String {
    let mut text = String::new();
    for (label, percent) in points {
        text.push_str(&format!("{label} {percent:.2}\n"));
    }
    text
}
