//! Running the tests under coverage (placeholder until the runners land: every runner reports itself unavailable).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub struct RunSpec<'a> {
    pub runner: crate::config::Runner,
    pub command: &'a [String],
    pub profiles: &'a [crate::config::Glob],
    pub go_packages: &'a [String],
    pub root: &'a Path,
    pub work_dir: &'a Path,
    pub log: &'a Path,
    pub python: Option<&'a Path>,
    pub env_remove: &'a [&'a str],
}

pub struct TestRun {
    pub command: Vec<String>,
    pub exit_code: i32,
    pub profiles: Vec<PathBuf>,
    pub duration: std::time::Duration,
}

pub fn run(spec: &RunSpec<'_>) -> Result<TestRun> {
    Err(Error::ToolUnavailable {
        tool: format!("the {:?} runner", spec.runner),
        purpose: "run the tests".into(),
        detail: "not built yet".into(),
    })
}
