//! `[paths]` remapping with coverage.py's rules (`files.PathAliases`): the first value is the result, `*`/`**`/`?`
//! wildcards, case-insensitive prefix match, a rewrite used only if the target exists.
//!
//! Owns the ordered rule list, compiled once; mapping is `&self` and can run on many threads.

use std::path::{Path, PathBuf};

use regex::Regex;

use crate::error::{Error, Result};
use crate::python::globs::globs_to_regex;
use crate::python::pypath::{abs_file, isabs_anywhere, sep};

/// One rewriting rule: paths starting with a match of `regex` get that prefix replaced by `result`.
#[derive(Clone, Debug)]
struct Rule {
    /// The pattern as written, for traces and to avoid duplicating an implicit rule the user wrote.
    pattern: String,
    regex: Regex,
    /// Ends with a separator.
    result: String,
}

/// An ordered list of path rewriting rules.
///
/// With `relative_files`, coverage.py also invents a rule `*/<dir1> -> <dir1>/` for each relative path
/// `<dir1>/...` it meets, but only from then on, so its results depend on the order of the files it combines
/// (coveragepy#2195). We deliberately differ: [`PathAliases::prepare`] registers those rules for all the paths of
/// all inputs, sorted, before anything is mapped, so every path gets the same answer whatever the input order. The
/// implicit rules come after the configured ones, as in coverage.py.
#[derive(Clone, Debug)]
pub struct PathAliases {
    relative: bool,
    /// The directory relative patterns, relative results and `relative_files` are resolved against.
    cwd: PathBuf,
    /// `cwd` made absolute and canonical, ending with `/`: the prefix `relative_files` strips.
    relative_dir: String,
    rules: Vec<Rule>,
}

impl PathAliases {
    /// Rules for data recorded with (`relative`) or without `relative_files`, against the current directory.
    pub fn new(relative: bool) -> Self {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        Self::with_cwd(relative, &cwd)
    }

    /// Rules resolved against `cwd` rather than the process's current directory.
    pub fn with_cwd(relative: bool, cwd: &Path) -> Self {
        let cwd = &std::path::absolute(cwd).unwrap_or_else(|_| cwd.to_path_buf());
        let mut relative_dir = abs_file(".", cwd);
        if !relative_dir.ends_with('/') {
            relative_dir.push('/');
        }
        PathAliases {
            relative,
            cwd: cwd.to_path_buf(),
            relative_dir,
            rules: Vec::new(),
        }
    }

    /// Adds a rule: paths starting with a match of the glob `pattern` get that prefix replaced by `result`.
    ///
    /// Fails like coverage.py on a pattern ending with a wildcard (it would match a whole tree, not its root) and on
    /// the glob forms it forbids.
    pub fn add(&mut self, pattern: &str, result: &str) -> Result<()> {
        let pattern_sep = sep(pattern);
        let mut pat = if pattern.chars().count() > 1 {
            pattern.trim_end_matches(['/', '\\']).to_string()
        } else {
            pattern.to_string()
        };
        if pat.ends_with('*') {
            return Err(Error::config(
                None,
                None,
                format!("[paths] pattern {pattern:?} must not end with wildcards"),
            ));
        }
        // A pattern is meant to match an absolute file path unless it starts with a wildcard (any prefix).
        if !self.relative && !pat.starts_with('*') && !isabs_anywhere(&format!("{pat}{pattern_sep}")) {
            pat = abs_file(&pat, &self.cwd);
        }
        if !pat.ends_with(pattern_sep) {
            pat.push(pattern_sep);
        }
        let regex = globs_to_regex([pat.as_str()], true, true)
            .map_err(|e| Error::config(None, None, format!("[paths] pattern {pattern:?}: {}", message_of(e))))?;
        let result = format!("{}{}", result.trim_end_matches(['/', '\\']), sep(result));
        self.rules.push(Rule {
            pattern: pattern.to_string(),
            regex,
            result,
        });
        Ok(())
    }

    /// Registers the implicit `relative_files` rules for every relative path among `all_paths` (all the paths of all
    /// inputs), in sorted order, so that mapping does not depend on the order files are met. Does nothing without
    /// `relative_files`. Unlike coverage.py, a rule is generated even for a path a configured rule maps, because that
    /// depends on which targets exist, which is not known here.
    pub fn prepare(&mut self, all_paths: &mut dyn Iterator<Item = &str>) {
        if !self.relative {
            return;
        }
        let mut dirs: Vec<String> = all_paths
            .filter_map(|path| {
                let path = self.relative_filename(path);
                if isabs_anywhere(path) {
                    return None;
                }
                let (dir1, _) = path.split_once(['/', '\\'])?;
                Some(dir1.to_string())
            })
            .collect();
        dirs.sort();
        dirs.dedup();
        for dir1 in dirs {
            let pattern = format!("*/{dir1}");
            if self.rules.iter().any(|r| r.pattern == pattern) {
                continue;
            }
            // coverage.py compiles these without IGNORECASE, unlike the configured rules.
            let Ok(regex) = Regex::new(&format!(r"^(.*[\\/])?{}[\\/]", regex::escape(&dir1))) else {
                continue;
            };
            self.rules.push(Rule {
                pattern,
                regex,
                result: format!("{dir1}/"),
            });
        }
    }

    /// Maps `path` through the rules; `exists` says whether a rewritten path exists (coverage.py also accepts a path
    /// inside an existing zip file: that is for the caller's `exists` to decide).
    pub fn map(&self, path: &str, exists: &dyn Fn(&str) -> bool) -> String {
        self.map_traced(path, exists, &mut |_| {})
    }

    /// [`PathAliases::map`], describing each decision to `trace` in coverage.py's `--debug=pathmap` words.
    pub fn map_traced(&self, path: &str, exists: &dyn Fn(&str) -> bool, trace: &mut dyn FnMut(String)) -> String {
        for rule in &self.rules {
            let Some(m) = rule.regex.find(path) else {
                continue;
            };
            let mut new = format!("{}{}", rule.result, &path[m.end()..]);
            new = new.replace(sep(path), &sep(&rule.result).to_string());
            if !self.relative {
                new = self.canonical_filename(&new);
            }
            let dot_start = (rule.result.starts_with("./") || rule.result.starts_with(".\\")) && rule.result.len() > 2;
            if (new.starts_with("./") || new.starts_with(".\\")) && !dot_start {
                new.drain(..2);
            }
            if !exists(&new) {
                trace(format!(
                    "Rule {:?} changed {path:?} to {new:?} which doesn't exist, continuing",
                    rule.pattern
                ));
                continue;
            }
            trace(format!(
                "Matched path {path:?} to rule {:?} -> {:?}, producing {new:?}",
                rule.pattern, rule.result
            ));
            return new;
        }
        let path = if self.relative {
            self.relative_filename(path)
        } else {
            path
        };
        trace(format!("No rules match, path {path:?} is unchanged"));
        path.to_string()
    }

    /// The rules in order, as coverage.py's `--debug=pathmap` lists them.
    pub fn describe(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "Aliases (relative={}):",
            if self.relative { "True" } else { "False" }
        )];
        for rule in &self.rules {
            lines.push(format!(
                " Rule: {:?} -> {:?} using regex {:?}",
                rule.pattern,
                rule.result,
                rule.regex.as_str()
            ));
        }
        lines
    }

    /// `path` without the current directory's prefix, if it has it.
    fn relative_filename<'a>(&self, path: &'a str) -> &'a str {
        path.strip_prefix(self.relative_dir.as_str()).unwrap_or(path)
    }

    /// coverage.py's `canonical_filename`: absolute (against `cwd`) with symlinks resolved. It also looks a relative
    /// path up along `sys.path`, which has no meaning for prowcov.
    fn canonical_filename(&self, path: &str) -> String {
        abs_file(path, &self.cwd)
    }
}

/// The message of a configuration error without its (absent) location, to re-wrap it with more context.
fn message_of(e: Error) -> String {
    match e {
        Error::Config { message, .. } => message,
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CWD: &str = "/nonexistent/work";

    fn aliases(relative: bool, rules: &[(&str, &str)]) -> PathAliases {
        let mut a = PathAliases::with_cwd(relative, Path::new(CWD));
        for (pattern, result) in rules {
            a.add(pattern, result).unwrap();
        }
        a
    }

    #[test]
    fn prefix_is_replaced_once_and_case_insensitively() {
        let a = aliases(false, &[("/CI/*/src", "/local/src")]);
        assert_eq!(a.map("/ci/job1/src/pkg/src/a.py", &|_| true), "/local/src/pkg/src/a.py");
    }

    #[test]
    fn a_rule_whose_target_is_missing_falls_through() {
        let a = aliases(false, &[("/ci/src", "/one"), ("/ci/src", "/two")]);
        assert_eq!(a.map("/ci/src/a.py", &|p| p.starts_with("/two")), "/two/a.py");
        assert_eq!(a.map("/ci/src/a.py", &|_| false), "/ci/src/a.py");
    }

    #[test]
    fn trailing_wildcards_are_rejected() {
        let mut a = PathAliases::with_cwd(false, Path::new(CWD));
        let err = a.add("/ci/*", "src").unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"[paths] pattern "/ci/*" must not end with wildcards"#
        );
        let err = a.add("/ci/a**/b", "src").unwrap_err();
        assert!(err.to_string().contains("can't include"), "{err}");
    }

    #[test]
    fn relative_patterns_are_made_absolute_unless_relative_files() {
        let a = aliases(false, &[("src", "lib")]);
        assert_eq!(a.map(&format!("{CWD}/src/a.py"), &|_| true), format!("{CWD}/lib/a.py"));
        assert_eq!(a.map("other/src/a.py", &|_| true), "other/src/a.py");
    }

    #[test]
    fn windows_separators_become_the_results() {
        let a = aliases(true, &[(r"C:\ci\*\src", "src/")]);
        assert_eq!(a.map(r"c:\CI\x\src\pkg\a.py", &|_| true), "src/pkg/a.py");
    }

    #[test]
    fn prepare_is_independent_of_order() {
        let paths = [
            "/home/runner/w/src/pkg/a.py",
            "src/pkg/b.py",
            "tests/t.py",
            r"D:\a\1\s\tests\u.py",
        ];
        let mut forward = aliases(true, &[]);
        forward.prepare(&mut paths.iter().copied());
        let mut backward = aliases(true, &[]);
        backward.prepare(&mut paths.iter().rev().copied());
        assert_eq!(forward.describe(), backward.describe());
        for p in paths {
            assert_eq!(forward.map(p, &|_| true), backward.map(p, &|_| true));
        }
        assert_eq!(forward.map(paths[0], &|_| true), "src/pkg/a.py");
        assert_eq!(forward.map(paths[3], &|_| true), "tests/u.py");
    }

    #[test]
    fn relative_files_strips_the_current_directory_when_nothing_matches() {
        let a = aliases(true, &[]);
        assert_eq!(a.map(&format!("{CWD}/a.py"), &|_| false), "a.py");
    }

    #[test]
    fn aliases_can_be_shared_between_threads() {
        fn assert_sync<T: Sync + Send>() {}
        assert_sync::<PathAliases>();
    }

    #[test]
    fn relative_cwd_is_made_absolute() {
        let a = PathAliases::with_cwd(true, Path::new("some/dir"));
        assert!(
            a.relative_dir.starts_with('/') && a.relative_dir.ends_with("/some/dir/"),
            "{}",
            a.relative_dir
        );
    }

    #[test]
    fn traces_say_why() {
        let a = aliases(false, &[("/ci/src", "/local")]);
        let mut lines = Vec::new();
        a.map_traced("/ci/src/a.py", &|_| false, &mut |l| lines.push(l));
        assert_eq!(
            lines,
            [
                r#"Rule "/ci/src" changed "/ci/src/a.py" to "/local/a.py" which doesn't exist, continuing"#,
                r#"No rules match, path "/ci/src/a.py" is unchanged"#
            ]
        );
    }
}
