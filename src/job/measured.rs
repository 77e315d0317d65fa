//! The coverage a job measured, and how.

use crate::model::{Coverage, Summary};

/// The coverage obtained and how.
#[derive(Debug)]
pub struct Measured {
    /// Every suite's coverage, merged.
    pub coverage: Coverage,
    /// The tests' exit status (with suites, the first that failed, else 0); `None` when existing files were read.
    pub tests_exit: Option<i32>,
    /// The `[[suites]]`, in order; empty for the one implicit suite.
    pub suites: Vec<SuiteResult>,
}

/// What one suite measured.
#[derive(Debug)]
pub struct SuiteResult {
    pub name: String,
    /// The globs of the sources it owns; empty: every file it measured.
    pub paths: Vec<String>,
    /// Its coverage, repo-relative, restricted to `paths`.
    pub coverage: Coverage,
    /// The tests' exit status; `None` when existing files were read.
    pub exit_code: Option<i32>,
    /// Why its coverage could not be read, when it could not (the suite then counts as failed).
    pub error: Option<String>,
}

impl SuiteResult {
    /// The exit status that makes this suite failed: its tests', or 1 when its coverage could not be read.
    pub fn failed(&self) -> Option<i32> {
        match (self.exit_code, &self.error) {
            (Some(code), _) if code != 0 => Some(code),
            (_, Some(_)) => Some(1),
            _ => None,
        }
    }
}

impl Measured {
    /// One implicit suite's coverage.
    pub fn single(coverage: Coverage, tests_exit: Option<i32>) -> Measured {
        Measured {
            coverage,
            tests_exit,
            suites: Vec::new(),
        }
    }

    /// The tests' exit status when they failed (any suite's).
    pub fn tests_failed(&self) -> Option<i32> {
        self.tests_exit
            .filter(|s| *s != 0)
            .or_else(|| self.suites.iter().find_map(SuiteResult::failed))
    }

    /// The suites that failed, by name.
    pub fn failed_suites(&self) -> Vec<&str> {
        self.suites
            .iter()
            .filter(|s| s.failed().is_some())
            .map(|s| s.name.as_str())
            .collect()
    }

    /// The total, as the reports compute it.
    pub fn total(&self) -> Summary {
        total(&self.coverage)
    }
}

/// The total of a model, as the reports compute it.
pub fn total(coverage: &Coverage) -> Summary {
    let files: Vec<Summary> = coverage.files.values().map(Summary::of_file).collect();
    Summary::sum(files.iter())
}
