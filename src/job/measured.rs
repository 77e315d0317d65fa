//! The coverage a job measured, and how.

use crate::model::{Coverage, Summary};

/// The coverage obtained and how.
#[derive(Debug)]
pub struct Measured {
    pub coverage: Coverage,
    /// The tests' exit status; `None` when existing files were read.
    pub tests_exit: Option<i32>,
}

impl Measured {
    /// The tests' exit status when they failed.
    pub fn tests_failed(&self) -> Option<i32> {
        self.tests_exit.filter(|s| *s != 0)
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
