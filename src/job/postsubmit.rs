//! The post-submit: the coverage of a commit pushed to a branch becomes that commit's baseline (profile, metadata,
//! completion marker last), and the full HTML report and TestGrid's JUnit are written.

use super::links;
use super::measured::Measured;
use crate::env::Env;
use crate::error::Result;
use crate::render::html::HtmlOptions;
use crate::settings::JobSettings;
use crate::storage::{BuildRef, Record};

/// What a post-submit writes and stores.
#[derive(Debug)]
pub struct Postsubmit {
    /// The baseline to record.
    pub record: Record,
    pub html: HtmlOptions,
}

/// The post-submit's plan for `measured`; the time recorded is `SOURCE_DATE_EPOCH` or the clock.
pub fn plan(s: &JobSettings, measured: &Measured, env: &Env) -> Result<Postsubmit> {
    let (sha, branch) = s.measured_commit()?;
    let record = Record {
        build: BuildRef {
            job: s.job_name.to_string(),
            build_id: s.build_id.to_string(),
        },
        repo: s.repo_slug.clone(),
        branch,
        sha: sha.clone(),
        time: crate::clock::now(env)?,
        tests_exit_status: measured.tests_exit.unwrap_or(0),
    };
    Ok(Postsubmit {
        record,
        html: HtmlOptions {
            title: s.title(&sha),
            links: links::html_links(s),
            ..HtmlOptions::default()
        },
    })
}
