//! The one meaning of "root": the directory that relative paths in coverage data are relative to, where `go.mod`
//! files map Go import paths, and where the configuration files (`.prowcov.toml`, coverage.py's) are looked up.
//! `--root` sets it; without it, the job and `diff` take the git work tree (paths in baselines and diffs are
//! repository-relative), and the reporting commands take the current directory, as coverage.py does.

use std::path::{Path, PathBuf};

use crate::analysis::changes::GitRepo;
use crate::error::{Error, Result};

/// Where the root is when `--root` is not given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RootDefault {
    /// The current directory (`report`, `html`, `junit`, `convert`, `baseline put`): coverage.py's own convention.
    CurrentDir,
    /// The git work tree around the current directory, else the current directory (`run`).
    WorkTree,
}

/// The root, absolute and canonical (so that it matches the real paths coverage.py records).
pub fn resolve_root(flag: Option<&Path>, default: RootDefault) -> Result<PathBuf> {
    let dir = match flag {
        Some(root) => std::path::absolute(root).map_err(|e| Error::read(root, e))?,
        None => {
            let cwd = std::env::current_dir().map_err(|e| Error::read(".", e))?;
            match default {
                RootDefault::CurrentDir => cwd,
                RootDefault::WorkTree => GitRepo::work_tree_of(&cwd).unwrap_or(cwd),
            }
        }
    };
    if !dir.is_dir() {
        return Err(Error::Usage(format!("--root {}: not a directory", dir.display())));
    }
    dir.canonicalize().map_err(|e| Error::read(&dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_root_that_is_not_a_directory_is_a_usage_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("f");
        std::fs::write(&file, "").expect("write");
        let e = resolve_root(Some(&file), RootDefault::CurrentDir).expect_err("a file");
        assert_eq!(e.exit_code(), crate::error::exit::USAGE);
        assert!(e.to_string().ends_with("not a directory"), "{e}");
        let ok = resolve_root(Some(dir.path()), RootDefault::WorkTree).expect("a directory");
        assert_eq!(ok, dir.path().canonicalize().expect("canonical"));
    }
}
