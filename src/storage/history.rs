//! A periodic job's coverage over time: one `<label> <percent>` line per build in
//! `prowcov-history/<job>/<branch>.txt`, oldest first: the format `prowcov html --history` reads ([`parse`]) and the
//! job writes ([`render`]).
//!
//! The file is read, extended and written back without a precondition: two builds of the same periodic job that
//! finish at the same moment (one that outlasted its interval) can lose one point. Set the job's `max_concurrency:
//! 1` to rule that out.

use std::path::Path;

use crate::error::{Error, Result};
use crate::storage::{Store, layout};
use crate::warnings::Warnings;

/// At most this many points are kept (the newest); two years of daily builds.
pub const MAX_POINTS: usize = 730;

/// Appends `(label, percent)` to the job's history and returns the whole history. A point with the same label (a
/// rerun of the same commit) replaces the earlier one, so reruns do not draw a flat line.
pub fn append(
    store: &Store,
    job: &str,
    branch: &str,
    label: &str,
    percent: f64,
    warnings: &Warnings,
) -> Result<Vec<(String, f64)>> {
    layout::validate_job_and_branch(job, branch).map_err(Error::Usage)?;
    if label.is_empty() || label.contains(char::is_whitespace) {
        return Err(Error::Usage(format!("history label {label:?}: expected one word")));
    }
    let key = layout::history(job, branch);
    let mut points = match store.get(&key)? {
        Some(bytes) => match parse(&String::from_utf8_lossy(&bytes), key.as_ref()) {
            Ok(points) => points,
            Err(e) => {
                // A damaged history must not stop the job, nor be lost: it is kept aside, and a new one started.
                let aside = format!("{key}.damaged-{label}");
                store.put(&aside, bytes)?;
                warnings.warn(format!(
                    "{}: {e}; kept it as {} and started a new history",
                    store.url_of(&key),
                    store.url_of(&aside)
                ));
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

/// Parses a coverage history: one `label percent` pair per line (the label is everything before the last
/// whitespace-separated field), oldest first; blank lines and `#` comments are skipped.
pub fn parse(text: &str, origin: &Path) -> Result<Vec<(String, f64)>> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parsed = line
            .rsplit_once(char::is_whitespace)
            .and_then(|(label, pct)| Some((label.trim().to_string(), pct.trim_end_matches('%').parse::<f64>().ok()?)))
            .filter(|(_, pct)| pct.is_finite() && (0.0..=100.0).contains(pct));
        match parsed {
            Some(point) => out.push(point),
            None => {
                return Err(Error::parse(
                    origin,
                    Some(i as u64 + 1),
                    format!("expected `<label> <percent 0-100>`, found `{line}`"),
                ));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_points() {
        let got = parse("2024-01-01 81.5\nbuild 12 82%\n", Path::new("h")).unwrap();
        assert_eq!(got, [("2024-01-01".to_string(), 81.5), ("build 12".to_string(), 82.0)]);
        assert!(parse("x 101\n", Path::new("h")).is_err());
    }
}
