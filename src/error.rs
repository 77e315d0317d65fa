//! The errors users see and the exit-code table; `main` maps an outcome to a code in one place.
//!
//! | code | meaning |
//! |-----:|---------|
//! | 0  | success |
//! | 1  | a coverage threshold (gate, `--fail-under`) failed; the outputs were still written |
//! | 2  | bad input or a processing error (malformed or unknown coverage data, conflicting data, no data) |
//! | 3  | the tests run by `prowcov run` failed; coverage was still reported (wins over 1 and a failure to post) |
//! | 64 | usage error (unknown flag, missing argument) |
//! | 69 | a tool prowcov needs is unavailable (Python with coverage.py to read `.coverage` data, the test program) |
//! | 74 | I/O error writing an output, or object storage (baselines) or GitHub (comment, status) failing after retries |
//! | 78 | configuration error (a coverage.py rc file or prowcov config that cannot be used; missing or inconsistent Prow variables; a checkout that is not the commit Prow names) |

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Exit codes; see the module docs for the table.
pub mod exit {
    pub const OK: u8 = 0;
    pub const THRESHOLD_FAILED: u8 = 1;
    pub const INPUT: u8 = 2;
    pub const TESTS_FAILED: u8 = 3;
    pub const USAGE: u8 = 64;
    pub const UNAVAILABLE: u8 = 69;
    pub const IO: u8 = 74;
    pub const CONFIG: u8 = 78;
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every failure prowcov reports. Messages are lowercase fragments that name the file, the line where there is one,
/// and what was expected.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Malformed content in a coverage file.
    #[error("{}: {message}", location(path, *line))]
    Parse {
        path: PathBuf,
        line: Option<u64>,
        message: String,
    },

    /// A file none of the readers recognises.
    #[error(
        "{}: not a coverage format prowcov reads ({detail}); expected coverage.py data (SQLite), coverage.py JSON, \
         Cobertura XML, LCOV, a Go cover profile or prowcov JSON",
        path.display()
    )]
    UnknownFormat { path: PathBuf, detail: String },

    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },

    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },

    /// A configuration file or value that cannot be used.
    #[error("{}{message}", config_location(path.as_deref(), *line))]
    Config {
        path: Option<PathBuf>,
        line: Option<u64>,
        message: String,
    },

    #[error("{0}")]
    Usage(String),

    /// Object storage failed (after retries) or holds something unexpected; `url` names the object or bucket.
    #[error("{url}: {message}")]
    Storage { url: String, message: String },

    /// A GitHub API call failed (after retries): `endpoint` is the method and path, `status` the HTTP status when a
    /// response arrived, `message` GitHub's message plus a hint. Never holds the token.
    #[error("GitHub {endpoint}: {}{message}", status.map(|s| format!("HTTP {s}: ")).unwrap_or_default())]
    GitHub {
        endpoint: String,
        status: Option<u16>,
        message: String,
    },

    /// An external tool prowcov needs is missing or failed to start.
    #[error("{tool} is needed to {purpose}: {detail}")]
    ToolUnavailable {
        tool: String,
        purpose: String,
        detail: String,
    },

    /// An external tool ran and failed on our input.
    #[error("{tool} failed: {detail}")]
    ToolFailed { tool: String, detail: String },

    /// Inputs that cannot be processed together, or no usable data (for example line and branch data mixed).
    #[error("{0}")]
    Data(String),

    /// Several independent failures, each reported.
    #[error("{}", list(.0))]
    Multiple(Vec<Error>),
}

impl Error {
    pub fn parse(path: impl Into<PathBuf>, line: Option<u64>, message: impl Into<String>) -> Self {
        Error::Parse {
            path: path.into(),
            line,
            message: message.into(),
        }
    }

    pub fn read(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Read {
            path: path.into(),
            source,
        }
    }

    pub fn write(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Write {
            path: path.into(),
            source,
        }
    }

    pub fn config(path: Option<&Path>, line: Option<u64>, message: impl Into<String>) -> Self {
        Error::Config {
            path: path.map(Path::to_path_buf),
            line,
            message: message.into(),
        }
    }

    /// Combines several errors: none is `Ok`, one stays itself, more become [`Error::Multiple`].
    pub fn collect(mut errors: Vec<Error>) -> Result<()> {
        match errors.len() {
            0 => Ok(()),
            1 => Err(errors.remove(0)),
            _ => Err(Error::Multiple(errors)),
        }
    }

    /// The message to print: control characters that came from the data (an escape sequence in a file name or a
    /// malformed record) are replaced by `?`, so that an input cannot drive the terminal; the line breaks between
    /// several errors are kept.
    pub fn for_terminal(&self) -> String {
        self.to_string()
            .chars()
            .map(|c| if c.is_control() && c != '\n' { '?' } else { c })
            .collect()
    }

    /// The documented exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Parse { .. } | Error::UnknownFormat { .. } | Error::Read { .. } | Error::Data(_) => exit::INPUT,
            Error::ToolFailed { .. } => exit::INPUT,
            Error::Write { .. } | Error::Storage { .. } | Error::GitHub { .. } => exit::IO,
            Error::Config { .. } => exit::CONFIG,
            Error::Usage(_) => exit::USAGE,
            Error::ToolUnavailable { .. } => exit::UNAVAILABLE,
            // The most severe class wins: configuration before tools before input.
            Error::Multiple(errors) => errors.iter().map(Error::exit_code).max().unwrap_or(exit::INPUT),
        }
    }
}

/// At most 80 characters of `found`, decoded lossily, for an error message: a malformed 10 MB line is quoted by its
/// start, not echoed whole.
pub fn excerpt(found: &[u8]) -> String {
    let text = String::from_utf8_lossy(found);
    match text.char_indices().nth(80) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.into_owned(),
    }
}

fn location(path: &Path, line: Option<u64>) -> String {
    match line {
        Some(line) => format!("{}:{line}", path.display()),
        None => path.display().to_string(),
    }
}

fn config_location(path: Option<&Path>, line: Option<u64>) -> String {
    path.map(|p| format!("{}: ", location(p, line))).unwrap_or_default()
}

fn list(errors: &[Error]) -> String {
    let mut out = format!("{} inputs failed:", errors.len());
    for e in errors {
        let _ = write!(out, "\n  - {e}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_name_file_and_line() {
        let e = Error::parse("cov/lcov.info", Some(12), "expected `DA:<line>,<count>`, found `DA:x`");
        assert_eq!(
            e.to_string(),
            "cov/lcov.info:12: expected `DA:<line>,<count>`, found `DA:x`"
        );
        assert_eq!(e.exit_code(), exit::INPUT);
    }

    #[test]
    fn control_characters_from_the_data_are_not_printed() {
        let e = Error::parse("a\x1b]0;x\x07.info", Some(1), "found `\x1b[2J`");
        assert_eq!(e.for_terminal(), "a?]0;x?.info:1: found `?[2J`");
    }

    #[test]
    fn excerpts_are_short() {
        assert_eq!(excerpt(b"DA:1"), "DA:1");
        assert_eq!(excerpt("é".repeat(100).as_bytes()), format!("{}...", "é".repeat(80)));
    }

    #[test]
    fn multiple_takes_the_most_severe_code() {
        let e = Error::Multiple(vec![Error::Data("x".into()), Error::config(None, None, "y")]);
        assert_eq!(e.exit_code(), exit::CONFIG);
    }
}
