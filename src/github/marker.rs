//! The hidden marker that makes a comment ours: `<!-- prowcov:<job> head=<sha> -->`. It names the job (one comment
//! per job) and the head commit the comment describes, so an older run can tell it would overwrite newer results.
//!
//! The comment renderer (`render::comment`) owns the marker's format; until its `parse_marker` lands on main this is
//! the same parse, kept private to the bot's needs. The lead should make one call the other when integrating.

/// The marker line for `job` at `head_sha`.
pub fn format_marker(job: &str, head_sha: &str) -> String {
    format!("<!-- prowcov:{job} head={head_sha} -->")
}

/// The `(job, head_sha)` of the first marker in `body`, if any. Tolerates extra spaces; a marker without a head
/// (from an older prowcov) gives an empty SHA.
pub fn parse_marker(body: &str) -> Option<(String, String)> {
    let mut rest = body;
    while let Some(start) = rest.find("<!--") {
        let after = &rest[start + 4..];
        let end = after.find("-->")?;
        let inner = after[..end].trim();
        rest = &after[end + 3..];
        let Some(tail) = inner.strip_prefix("prowcov:") else {
            continue;
        };
        let mut words = tail.split_whitespace();
        let Some(job) = words.next().filter(|j| !j.is_empty()) else {
            continue;
        };
        let head = words
            .find_map(|w| w.strip_prefix("head="))
            .filter(|h| h.chars().all(|c| c.is_ascii_hexdigit()))
            .unwrap_or_default();
        return Some((job.to_owned(), head.to_ascii_lowercase()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let body = format!("{}\n## Coverage\n", format_marker("pull-unit", "ABC123"));
        assert_eq!(parse_marker(&body), Some(("pull-unit".into(), "abc123".into())));
    }

    #[test]
    fn other_comments_and_markers_are_skipped() {
        assert_eq!(parse_marker("<!-- test report --> text"), None);
        let body = "<!-- test report -->\n<!--   prowcov:j   head=00ff -->";
        assert_eq!(parse_marker(body), Some(("j".into(), "00ff".into())));
        assert_eq!(parse_marker("<!-- prowcov:j -->"), Some(("j".into(), String::new())));
        assert_eq!(parse_marker("<!-- prowcov:j head=zz"), None);
    }
}
