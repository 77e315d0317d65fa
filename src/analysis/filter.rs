//! Which files count: files marked `linguist-generated` or `coverage-excluded` in `.gitattributes` (only when set or
//! `true`) are skipped, then `--exclude` and `--include` globs apply. Every skipped file is reported with its reason.
//! A changed file no profile measures because the coverage tool's configuration leaves it out (coverage.py's `omit`,
//! Go's `_test.go` files) is skipped as "not measured by configuration" ([`Unmeasured`]), not reported as missing data.
//!
//! Globs use `/` as a separator that `*` does not cross (`**` does); a pattern without `/` matches the file name in
//! any directory, as in `.gitignore` (`*_pb2.py` skips `a/b/x_pb2.py`).

use std::path::PathBuf;

use regex::Regex;
use serde::Serialize;

use crate::error::Result;
use crate::glob::Globs;

/// The attributes of one path that can exclude it (see `changes::excludes` for what counts as set).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FileAttributes {
    pub generated: bool,
    pub coverage_excluded: bool,
}

/// Why a file does not count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", content = "pattern", rename_all = "snake_case")]
pub enum SkipReason {
    /// `linguist-generated` is set in `.gitattributes`.
    Generated,
    /// `coverage-excluded` is set in `.gitattributes`.
    CoverageExcluded,
    /// Matches this `--exclude` glob.
    Excluded(String),
    /// `--include` globs are given and none matches.
    NotIncluded,
    /// No profile measures it, and the coverage tool's configuration says why (the rule named here).
    NotMeasured(String),
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::Generated => f.write_str("linguist-generated in .gitattributes"),
            SkipReason::CoverageExcluded => f.write_str("coverage-excluded in .gitattributes"),
            SkipReason::Excluded(p) => write!(f, "matches --exclude {p}"),
            SkipReason::NotIncluded => f.write_str("matches no --include"),
            SkipReason::NotMeasured(why) => write!(f, "not measured by configuration: {why}"),
        }
    }
}

/// A skipped file and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub path: String,
    #[serde(flatten)]
    pub reason: SkipReason,
}

/// A rule of a coverage tool that leaves files unmeasured on purpose.
#[derive(Clone, Debug)]
pub struct Unmeasured {
    regex: Regex,
    /// When set, the rule matches `root/path` (coverage.py matches absolute paths); else the repo-relative path.
    root: Option<PathBuf>,
    why: String,
}

impl Unmeasured {
    /// A rule matching `root/path` (or the relative path without a root) against `regex`, explained by `why`.
    pub fn new(regex: Regex, root: Option<PathBuf>, why: impl Into<String>) -> Unmeasured {
        Unmeasured {
            regex,
            root,
            why: why.into(),
        }
    }

    /// `go test` measures no `_test.go` file.
    pub fn go_test_files() -> Unmeasured {
        Unmeasured {
            regex: Regex::new(r"(^|/)[^/]*_test\.go$").expect("a valid constant regex"),
            root: None,
            why: "a Go test file (`go test` measures no `_test.go` file)".into(),
        }
    }

    fn matches(&self, path: &str) -> bool {
        match &self.root {
            Some(root) => self.regex.is_match(&root.join(path).to_string_lossy()),
            None => self.regex.is_match(path),
        }
    }
}

/// The file selection, validated once.
#[derive(Clone, Debug)]
pub struct Filter {
    include: Option<Globs>,
    exclude: Globs,
    unmeasured: Vec<Unmeasured>,
}

impl Filter {
    /// Compiles the globs; a bad glob is a usage error naming it.
    pub fn new(include: &[String], exclude: &[String]) -> Result<Filter> {
        let include = if include.is_empty() {
            None
        } else {
            Some(Globs::new(include, "--include")?)
        };
        Ok(Filter {
            include,
            exclude: Globs::new(exclude, "--exclude")?,
            unmeasured: Vec::new(),
        })
    }

    /// The selection of the configuration's `[paths]` (flags already applied to it).
    pub fn from_paths(paths: &crate::config::Paths) -> Result<Filter> {
        let texts = |globs: &[crate::config::Glob]| globs.iter().map(|g| g.as_str().to_owned()).collect::<Vec<_>>();
        Filter::new(&texts(&paths.include), &texts(&paths.exclude))
    }

    /// Adds the rules that leave files unmeasured on purpose (see [`Filter::unmeasured_reason`]).
    pub fn with_unmeasured(mut self, rules: impl IntoIterator<Item = Unmeasured>) -> Filter {
        self.unmeasured.extend(rules);
        self
    }

    /// Why the coverage tools leave `path` unmeasured on purpose, when a rule says so; asked only about files that
    /// no profile measures.
    pub fn unmeasured_reason(&self, path: &str) -> Option<SkipReason> {
        self.unmeasured
            .iter()
            .find(|rule| rule.matches(path))
            .map(|rule| SkipReason::NotMeasured(rule.why.clone()))
    }

    /// Keeps every file (no globs).
    pub fn everything() -> Filter {
        Filter {
            include: None,
            exclude: Globs::empty(),
            unmeasured: Vec::new(),
        }
    }

    /// Why `path` does not count, or `None` when it counts. Attributes come first, then `--exclude`, then
    /// `--include`.
    pub fn skip_reason(&self, path: &str, attributes: FileAttributes) -> Option<SkipReason> {
        if attributes.generated {
            return Some(SkipReason::Generated);
        }
        if attributes.coverage_excluded {
            return Some(SkipReason::CoverageExcluded);
        }
        if let Some(pattern) = self.exclude.first_match(path) {
            return Some(SkipReason::Excluded(pattern.to_string()));
        }
        match &self.include {
            Some(include) if include.first_match(path).is_none() => Some(SkipReason::NotIncluded),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn attributes_come_first_then_exclude_then_include() {
        let f = Filter::new(&strings(&["src/**"]), &strings(&["*_pb2.py", "src/vendor/*"])).unwrap();
        let none = FileAttributes::default();
        let generated = FileAttributes {
            generated: true,
            coverage_excluded: true,
        };
        assert_eq!(f.skip_reason("src/a.py", generated), Some(SkipReason::Generated));
        assert_eq!(
            f.skip_reason("src/x/y_pb2.py", none),
            Some(SkipReason::Excluded("*_pb2.py".into()))
        );
        assert_eq!(
            f.skip_reason("src/vendor/v.py", none),
            Some(SkipReason::Excluded("src/vendor/*".into()))
        );
        // `*` does not cross `/`.
        assert_eq!(f.skip_reason("src/vendor/deep/v.py", none), None);
        assert_eq!(f.skip_reason("docs/a.py", none), Some(SkipReason::NotIncluded));
        assert_eq!(f.skip_reason("src/a.py", none), None);
    }

    #[test]
    fn go_test_files_are_not_measured_by_configuration() {
        let f = Filter::everything().with_unmeasured([Unmeasured::go_test_files()]);
        assert!(matches!(
            f.unmeasured_reason("pkg/a_test.go"),
            Some(SkipReason::NotMeasured(_))
        ));
        assert!(matches!(
            f.unmeasured_reason("a_test.go"),
            Some(SkipReason::NotMeasured(_))
        ));
        assert_eq!(f.unmeasured_reason("pkg/a.go"), None);
        assert_eq!(f.unmeasured_reason("pkg/a_test.go.txt"), None);
    }

    #[test]
    fn bad_globs_are_usage_errors_naming_the_pattern() {
        let e = Filter::new(&[], &strings(&["src/[a"])).unwrap_err();
        assert!(e.to_string().starts_with("--exclude src/[a: not a valid glob"), "{e}");
        assert_eq!(e.exit_code(), crate::error::exit::USAGE);
    }
}
