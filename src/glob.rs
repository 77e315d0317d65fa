//! prowcov's own glob dialect, for `paths.include`/`paths.exclude`, `--include`/`--exclude` and `run.profiles`:
//! relative to the repository root, `/` a separator that `*` does not cross (`**` does), and a pattern without `/`
//! matching the file name in any directory, as in `.gitignore` (`*_pb2.py` matches `a/b/x_pb2.py`). coverage.py's
//! own dialect (`omit`, `[paths]`) is in `python::globs`.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::error::{Error, Result};

/// A compiled set of globs and their texts (to name the one that matched).
#[derive(Clone, Debug)]
pub struct Globs {
    patterns: Vec<String>,
    set: GlobSet,
}

impl Globs {
    pub fn new(patterns: &[String], flag: &str) -> Result<Globs> {
        let mut builder = GlobSetBuilder::new();
        for pattern in patterns {
            let full = if pattern.contains('/') {
                pattern.trim_start_matches('/').to_string()
            } else {
                format!("**/{pattern}")
            };
            let glob = GlobBuilder::new(&full)
                .literal_separator(true)
                .build()
                .map_err(|e| Error::Usage(format!("{flag} {pattern}: not a valid glob: {}", e.kind())))?;
            builder.add(glob);
        }
        let set = builder
            .build()
            .map_err(|e| Error::Usage(format!("{flag}: cannot compile the globs: {e}")))?;
        Ok(Globs {
            patterns: patterns.to_vec(),
            set,
        })
    }

    /// The first pattern (in the order given) that matches `path`.
    pub fn first_match(&self, path: &str) -> Option<&str> {
        let first = self.set.matches(path).into_iter().min()?;
        self.patterns.get(first).map(String::as_str)
    }
}

impl Globs {
    /// No patterns: matches nothing.
    pub fn empty() -> Globs {
        Globs {
            patterns: Vec::new(),
            set: GlobSet::empty(),
        }
    }

    /// The indices (in the order given) of every pattern that matches `path`.
    pub fn matches(&self, path: &str) -> Vec<usize> {
        self.set.matches(path)
    }

    /// Whether any pattern matches `path` (relative, `/`-separated).
    pub fn is_match(&self, path: &str) -> bool {
        self.set.is_match(path)
    }
}
