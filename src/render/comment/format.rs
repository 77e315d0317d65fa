//! How figures and names look in the comment: percentages rounded as coverage.py rounds them (the same rule for every
//! input, see `PercentRule::rounding`), signed deltas, short
//! SHAs, and file names shortened and escaped so that they cannot break a table or mention anyone.

use crate::model::{Summary, display_delta, display_percent};
use crate::render::markdown::escape;

/// Longest file name shown, in characters; longer names keep their tail (the file name), the link keeps the full path.
pub(super) const MAX_NAME: usize = 100;

/// Hex digits of a shown SHA: enough to be unique in any repository GitHub hosts, and GitHub links it.
const SHORT_SHA: usize = 10;

/// A percentage as shown: `66.67%`, never 0 or 100 unless exact.
pub(super) fn percent(pc: f64, precision: usize) -> String {
    format!("{}%", display_percent(pc, precision))
}

/// A summary's percentage, or `fallback` when the profile does not have the file.
pub(super) fn summary_cell(summary: Option<&Summary>, precision: usize, fallback: &str) -> String {
    summary.map_or_else(|| fallback.to_string(), |s| percent(s.percent(), precision))
}

/// A delta in percentage points with its sign (see [`display_delta`]).
pub(super) fn signed(value: f64, precision: usize) -> String {
    display_delta(value, precision)
}

/// The first hex digits of a SHA, bare so that GitHub links the commit; anything but hex is dropped.
pub(super) fn short_sha(sha: &str) -> String {
    sha.chars().filter(char::is_ascii_hexdigit).take(SHORT_SHA).collect()
}

/// A file name ready for a table cell: its last [`MAX_NAME`] characters behind `…` when longer, then escaped.
pub(super) fn name(path: &str) -> String {
    let count = path.chars().count();
    if count <= MAX_NAME {
        return escape(path);
    }
    let tail: String = path.chars().skip(count - (MAX_NAME - 1)).collect();
    format!("…{}", escape(&tail))
}

/// `[text](url)`, or `text` alone without a URL. `text` must already be escaped and `url` encoded.
pub(super) fn link(text: &str, url: Option<&str>) -> String {
    match url {
        Some(url) => format!("[{text}]({url})"),
        None => text.to_string(),
    }
}

/// `n` followed by the noun in the singular or plural.
pub(super) fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_carry_a_sign_and_never_show_minus_zero() {
        assert_eq!(signed(1.25, 1), "+1.2");
        assert_eq!(signed(-0.25, 2), "-0.25");
        assert_eq!(signed(-0.001, 2), "0.00");
        assert_eq!(signed(0.0, 0), "0");
    }

    #[test]
    fn long_names_keep_their_tail() {
        let long = format!("{}/file.py", "d".repeat(300));
        let shown = name(&long);
        assert_eq!(shown.chars().count(), MAX_NAME);
        assert!(shown.starts_with('…') && shown.ends_with("file.py"));
    }
}
