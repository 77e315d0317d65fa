//! Why a source could not be analysed: the one error type of the analyser, at the bottom of its modules.

use std::path::{Path, PathBuf};

/// Why a file could not be analysed. `kind` tells the caller whether coverage.py would fail too (`Syntax`,
/// `Encoding`, `TooDeep`: report it as coverage.py's "couldn't parse") or might succeed (`Unsupported`: fall back
/// to coverage.py for this file).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: cannot parse as Python source: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct SourceError {
    pub path: PathBuf,
    pub line: Option<u32>,
    pub kind: SourceErrorKind,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceErrorKind {
    /// A syntax or indentation error (Python 3.11's grammar).
    Syntax,
    /// A bad or unknown encoding declaration.
    Encoding,
    /// Nesting past CPython's limits (brackets, indentation).
    TooDeep,
    /// Something this analyser does not handle: a file of 4 GiB or more, NUL bytes.
    Unsupported,
}

impl SourceError {
    pub(crate) fn new(kind: SourceErrorKind, line: Option<u32>, message: String) -> Self {
        Self {
            path: PathBuf::new(),
            line,
            kind,
            message,
        }
    }

    pub(super) fn at(mut self, path: &Path) -> Self {
        self.path = path.to_path_buf();
        self
    }
}

impl From<SourceError> for crate::error::Error {
    fn from(e: SourceError) -> Self {
        crate::error::Error::Parse {
            path: e.path,
            line: e.line.map(u64::from),
            message: e.message,
        }
    }
}
