//! Page names for source files: safe, short, unique, and stable for the same path.
//!
//! A path in coverage data is never used as a file-system path for output: it is reduced to `[A-Za-z0-9._-]`,
//! shortened, and suffixed with a hash of the full path, and every page lives flat in one folder. So `../../x`,
//! `/etc/passwd` or a name with a NUL cannot point outside the output folder, and two paths that sanitise alike
//! (`a/b.py` and `a_b.py`) still get different pages.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use sha3::{Digest, Sha3_256};

/// The folder, under the report's root, that holds the file pages.
pub const PAGE_DIR: &str = "files";

/// Longest sanitised stem kept; the tail of a path (its file name) is the readable part.
const MAX_STEM: usize = 60;

/// Maps each path to its page name (`<stem>-<hash>.html`, relative to [`PAGE_DIR`]), unique across `paths`.
pub fn page_names<'a>(paths: impl IntoIterator<Item = &'a str>) -> BTreeMap<&'a str, String> {
    let mut taken = BTreeSet::new();
    let mut out = BTreeMap::new();
    for path in paths {
        let base = page_name(path);
        let mut name = base.clone();
        // A 40-bit hash collision is improbable, but uniqueness must not depend on it.
        let mut n = 1u32;
        while !taken.insert(name.clone()) {
            n += 1;
            name = format!("{}-{n}.html", base.trim_end_matches(".html"));
        }
        out.insert(path, name);
    }
    out
}

/// The page name of one path, before de-duplication.
fn page_name(path: &str) -> String {
    let clean: String = path
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    // Leading dots would make a hidden file (or `..`); the stem is only for people, so drop them.
    let clean = clean.trim_start_matches(['.', '_']);
    let stem = &clean[clean.len().saturating_sub(MAX_STEM)..];
    let digest = Sha3_256::digest(path.as_bytes());
    let mut name = String::with_capacity(stem.len() + 17);
    name.push_str(stem.trim_start_matches('.'));
    if !name.is_empty() {
        name.push('-');
    }
    for byte in &digest[..5] {
        let _ = write!(name, "{byte:02x}");
    }
    name.push_str(".html");
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_paths_become_flat_safe_names() {
        for path in [
            "../../x.py",
            "/etc/passwd",
            "a/../../b",
            "..",
            "",
            "a\0b",
            "<script>.py",
            "C:\\w\\x.py",
        ] {
            let name = page_name(path);
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')),
                "{path:?} -> {name}"
            );
            assert!(!name.starts_with('.'), "{path:?} -> {name}");
            assert!(name.ends_with(".html"));
        }
        assert_eq!(page_name("pkg/calc.py"), page_name("pkg/calc.py"), "stable");
        assert!(page_name(&"x/".repeat(500)).len() < 100, "long paths are shortened");
    }

    #[test]
    fn names_are_unique_even_when_paths_sanitise_alike() {
        let names = page_names(["a/b.py", "a_b.py", "a b.py"]);
        let set: BTreeSet<_> = names.values().collect();
        assert_eq!(set.len(), 3);
    }
}
