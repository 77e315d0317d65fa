//! The few Python `os.path` behaviours coverage.py's path handling depends on (POSIX flavour, as on our CI
//! runners): `isabs` on any OS, the separator a string uses, and a non-strict `realpath` + `abspath` against an
//! explicit directory instead of the process's current one.

use std::path::{Component, Path, PathBuf};

/// The first separator in `s`, else `/` (coverage.py's `files.sep`, with the POSIX `os.sep`).
pub fn sep(s: &str) -> char {
    s.chars().find(|&c| c == '/' || c == '\\').unwrap_or('/')
}

/// Whether `s` is absolute on POSIX or on Windows (`ntpath.isabs`: a leading separator or `X:\`).
pub fn isabs_anywhere(s: &str) -> bool {
    if s.starts_with('/') || s.starts_with('\\') {
        return true;
    }
    let mut chars = s.chars().skip(1);
    chars.next() == Some(':') && matches!(chars.next(), Some('/' | '\\'))
}

/// `abspath(realpath(path))` resolved against `cwd`: symlinks of the existing leading part are resolved, the rest
/// is normalised lexically (`.` dropped, `..` pops), like Python's non-strict `realpath`.
pub fn abs_file(path: &str, cwd: &Path) -> String {
    normalize(path, cwd, true)
}

/// `abspath(path)` resolved against `cwd`: purely lexical, symlinks kept.
pub fn abspath(path: &str, cwd: &Path) -> String {
    normalize(path, cwd, false)
}

fn normalize(path: &str, cwd: &Path, resolve_links: bool) -> String {
    let joined = if path.starts_with('/') {
        PathBuf::from(path)
    } else {
        cwd.join(path)
    };
    let mut resolved = PathBuf::from("/");
    let mut missing = !resolve_links;
    for component in joined.components() {
        match component {
            Component::RootDir | Component::Prefix(_) | Component::CurDir => {}
            Component::ParentDir => {
                resolved.pop();
            }
            Component::Normal(name) => {
                resolved.push(name);
                // Once a component is missing nothing below it can be a symlink, so stop asking the file system.
                if !missing {
                    match std::fs::symlink_metadata(&resolved) {
                        Ok(meta) if meta.file_type().is_symlink() => {
                            if let Ok(real) = std::fs::canonicalize(&resolved) {
                                resolved = real;
                            }
                        }
                        Ok(_) => {}
                        Err(_) => missing = true,
                    }
                }
            }
        }
    }
    resolved.to_string_lossy().into_owned()
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails by panicking")]
mod tests {
    use super::*;

    #[test]
    fn absolute_on_any_os() {
        for abs in ["/x", r"\x", r"C:\x", "c:/x", r"\\server\share"] {
            assert!(isabs_anywhere(abs), "{abs}");
        }
        for rel in ["x", "C:x", "./x", "*/x", ""] {
            assert!(!isabs_anywhere(rel), "{rel}");
        }
    }

    #[test]
    fn separator_is_the_first_one_used() {
        assert_eq!(sep(r"C:\a/b"), '\\');
        assert_eq!(sep("a/b\\c"), '/');
        assert_eq!(sep("abc"), '/');
    }

    #[test]
    fn abs_file_normalises_missing_paths_lexically() {
        assert_eq!(
            abs_file("a/./b/../c", Path::new("/nonexistent/base")),
            "/nonexistent/base/a/c"
        );
        assert_eq!(abs_file("/x/../../y", Path::new("/z")), "/y");
    }

    #[cfg(unix)]
    #[test]
    fn abs_file_resolves_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().canonicalize().unwrap();
        std::fs::create_dir(real.join("target")).unwrap();
        std::os::unix::fs::symlink(real.join("target"), real.join("link")).unwrap();
        assert_eq!(
            abs_file("link/missing.py", &real),
            format!("{}/target/missing.py", real.display())
        );
    }
}
