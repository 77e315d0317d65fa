//! The pre-submit overlay (changed files and lines, base percentages, patch coverage) and the two small text inputs
//! the `html` command reads before the change analysis can fill it: a changed-files list and a coverage history.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::error::{Error, Result, excerpt};
use crate::model::expanded_lines_budget;
use crate::model::path::normalize;

/// Pre-submit extras, keyed by the same repo-relative paths as the coverage data. The change analysis fills it;
/// `--changed-files` can too.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HtmlOverlay {
    /// The files the PR changed, each with its changed (added or modified) lines at head; an empty set means the
    /// file changed but its lines are unknown.
    pub changed_lines: BTreeMap<String, BTreeSet<u32>>,
    /// The baseline's percentage per file; a changed file without one is shown as new.
    pub base_percent: BTreeMap<String, f64>,
    /// Patch coverage per file as (covered, measured) changed lines. Files missing here get it computed from
    /// `changed_lines` and the coverage data.
    pub patch: BTreeMap<String, (u64, u64)>,
}

/// Parses a changed-files list: one `path` or `path:spec` per line, where spec is comma-separated line numbers or
/// `first-last` ranges; blank lines and `#` comments are skipped. Paths are normalised like the coverage data's
/// (relative to `root`). A `path:` whose suffix is not a line spec keeps the colon as part of the path.
pub fn parse_changed_files(text: &str, origin: &Path, root: &Path) -> Result<BTreeMap<String, BTreeSet<u32>>> {
    let mut out: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
    // Lines the ranges may still expand to: memory follows the list's size, not the numbers in it.
    let mut budget = expanded_lines_budget(text.len());
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (path, lines) = match line.rsplit_once(':') {
            Some((path, spec)) if !path.is_empty() && looks_like_spec(spec) => {
                let lines = parse_spec(spec, &mut budget)
                    .map_err(|message| Error::parse(origin, Some(i as u64 + 1), message))?;
                (path, lines)
            }
            _ => (line, BTreeSet::new()),
        };
        out.entry(normalize(path, root)).or_default().extend(lines);
    }
    Ok(out)
}

fn looks_like_spec(spec: &str) -> bool {
    !spec.is_empty() && spec.chars().all(|c| c.is_ascii_digit() || matches!(c, ',' | '-' | ' '))
}

fn parse_spec(spec: &str, budget: &mut u64) -> std::result::Result<BTreeSet<u32>, String> {
    let malformed = || {
        format!(
            "expected line numbers or ranges after `:`, found `{}`",
            excerpt(spec.as_bytes())
        )
    };
    let mut out = BTreeSet::new();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (a, b): (u32, u32) = match item.split_once('-') {
            Some((a, b)) => (
                a.trim().parse().map_err(|_| malformed())?,
                b.trim().parse().map_err(|_| malformed())?,
            ),
            None => {
                let n = item.parse().map_err(|_| malformed())?;
                (n, n)
            }
        };
        // A range is a handful of lines in a diff; a huge one is a typo, not a million anchors.
        if b < a || b - a > 1_000_000 {
            return Err(malformed());
        }
        let len = u64::from(b - a) + 1;
        if len > *budget {
            return Err(format!(
                "expected ranges covering a number of lines in proportion to the list's size, found more (`{}`): \
                 these are not the changed lines of a diff",
                excerpt(item.as_bytes())
            ));
        }
        *budget -= len;
        out.extend(a..=b);
    }
    Ok(out)
}

/// Parses a coverage history: one `label percent` pair per line (the label is everything before the last
/// whitespace-separated field), oldest first; blank lines and `#` comments are skipped.
pub fn parse_history(text: &str, origin: &Path) -> Result<Vec<(String, f64)>> {
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
    fn changed_files_with_and_without_lines() {
        let text = "# comment\nsrc/a.py:3,5-7\n./src/b.py\nweird:name.py\nsrc/a.py:9\n";
        let got = parse_changed_files(text, Path::new("c.txt"), Path::new("/r")).unwrap();
        assert_eq!(got["src/a.py"], BTreeSet::from([3, 5, 6, 7, 9]));
        assert!(got["src/b.py"].is_empty());
        assert!(got.contains_key("weird:name.py"));
        let err = parse_changed_files("a.py:9-3\n", Path::new("c.txt"), Path::new("/r")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "c.txt:1: expected line numbers or ranges after `:`, found `9-3`"
        );
    }

    #[test]
    fn history_points() {
        let got = parse_history("2024-01-01 81.5\nbuild 12 82%\n", Path::new("h")).unwrap();
        assert_eq!(got, [("2024-01-01".to_string(), 81.5), ("build 12".to_string(), 82.0)]);
        assert!(parse_history("x 101\n", Path::new("h")).is_err());
    }
}
