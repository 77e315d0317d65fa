//! The periodic: the branch's coverage for TestGrid (JUnit), and one point on its history, labelled
//! `<commit date>@<sha7>` so that the output is deterministic and a rerun of the same commit replaces its point.

use super::links;
use super::measured::Measured;
use crate::analysis::changes::GitRepo;
use crate::error::Result;
use crate::render::html::HtmlOptions;
use crate::settings::JobSettings;

/// The history point a periodic adds.
#[derive(Clone, Debug, PartialEq)]
pub struct Periodic {
    pub commit: String,
    pub branch: String,
    /// `<commit date>@<sha7>`.
    pub label: String,
    pub percent: f64,
}

/// The periodic's point for `measured`, dated by the commit in `repo`.
pub fn plan(s: &JobSettings, measured: &Measured, repo: &GitRepo) -> Result<Periodic> {
    let (sha, branch) = s.measured_commit()?;
    let label = format!("{}@{}", repo.commit_date(&sha)?, &sha[..sha.len().min(7)]);
    Ok(Periodic {
        percent: measured.total().percent(),
        commit: sha,
        branch,
        label,
    })
}

impl Periodic {
    /// The HTML report's options, with the history `append` returned.
    pub fn html(&self, s: &JobSettings, history: Vec<(String, f64)>) -> HtmlOptions {
        HtmlOptions {
            title: s.title(&self.commit),
            links: links::html_links(s),
            history,
            ..HtmlOptions::default()
        }
    }
}
