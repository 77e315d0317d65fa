//! The hidden first line that identifies a prowcov comment: which job wrote it and for which head commit. The bot
//! finds its own comment by the job (one comment per job, edited in place) and compares the head SHA to avoid an
//! older run overwriting a newer result.

use crate::ids::{JobName, is_job_char};

/// What every marker starts with.
const PREFIX: &str = "<!-- prowcov:";
/// What separates the job from the head SHA.
const HEAD: &str = " head=";
/// What closes the HTML comment.
const SUFFIX: &str = " -->";

/// The marker line (without a newline) for `job` at `head_sha`. Characters that a Prow job name cannot hold
/// (`[A-Za-z0-9._-]`) become `_`, and anything but hex digits is dropped from the SHA, so that neither can close the
/// HTML comment early or be misread by [`parse_marker`].
pub fn marker(job: &str, head_sha: &str) -> String {
    format!("{PREFIX}{}{HEAD}{}{SUFFIX}", job_name(job), sha(head_sha))
}

/// The job and head SHA of a comment body written by [`crate::render::comment::render`]; `None` when its first
/// line is not a prowcov marker.
pub fn parse_marker(body: &str) -> Option<(String, String)> {
    let line = body.lines().next()?.trim();
    let inner = line.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    let (job, head) = inner.split_once(HEAD)?;
    let valid = is_job_name(job) && !head.is_empty() && head.chars().all(|c| c.is_ascii_hexdigit());
    valid.then(|| (job.to_string(), head.to_string()))
}

/// Whether `job` is a valid Prow job name (`^[A-Za-z0-9-._]+$`), which the marker holds unchanged.
pub fn is_job_name(job: &str) -> bool {
    JobName::is_valid(job)
}

/// `job` reduced to the characters of a Prow job name; never empty.
pub(super) fn job_name(job: &str) -> String {
    let name: String = job.chars().map(|c| if is_job_char(c) { c } else { '_' }).collect();
    if name.is_empty() { "_".to_string() } else { name }
}

/// `sha` reduced to its hex digits, lowercase; `0` when none remain, so the marker always parses.
fn sha(sha: &str) -> String {
    let hex: String = sha
        .chars()
        .filter(char::is_ascii_hexdigit)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if hex.is_empty() { "0".to_string() } else { hex }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marker_parses_back() {
        let line = marker("pull-repo-coverage", "0123456789abcdef0123456789abcdef01234567");
        assert_eq!(
            line,
            "<!-- prowcov:pull-repo-coverage head=0123456789abcdef0123456789abcdef01234567 -->"
        );
        assert_eq!(
            parse_marker(&format!("{line}\n## Coverage\n")),
            Some((
                "pull-repo-coverage".to_string(),
                "0123456789abcdef0123456789abcdef01234567".to_string()
            ))
        );
    }

    #[test]
    fn hostile_jobs_cannot_close_the_comment_early() {
        let line = marker("job --> <img src=x> head=1", "zz-->");
        assert!(!line[4..line.len() - 3].contains("-->"), "{line}");
        assert_eq!(
            parse_marker(&line),
            Some(("job_--___img_src_x__head_1".to_string(), "0".to_string()))
        );
    }

    #[test]
    fn other_comments_are_not_markers() {
        for body in [
            "",
            "<!-- test report -->",
            "hello\n<!-- prowcov:job head=abc -->",
            "<!-- prowcov:job -->",
            "<!-- prowcov: head=abc -->",
            "<!-- prowcov:job head=xyz -->",
            "<!-- prowcov:a b head=abc -->",
        ] {
            assert_eq!(parse_marker(body), None, "{body:?}");
        }
    }
}
