//! `prowcov comment-post`: hand a rendered comment (and optionally a commit status) to the metrics-bot. Prints what
//! happened on stdout; every outcome, a dry run and a skipped stale run included, exits 0.

use crate::cli::{CommentPostArgs, StatusState};
use crate::env::Env;
use crate::error::{Error, Result, exit};
use crate::github::{CommentRequest, GateState, MetricsBot, StatusOutcome, StatusRequest};
use crate::settings::bot::CommentPostSettings;

pub fn run(args: CommentPostArgs, env: &Env) -> Result<u8> {
    let settings = CommentPostSettings::resolve(&args, env)?;
    let repo = settings.repo.clone();
    let body = std::fs::read_to_string(&args.body_file).map_err(|e| Error::read(&args.body_file, e))?;
    let bot = MetricsBot::new(settings.bot.options()?)?;
    let request = CommentRequest {
        repo: repo.clone(),
        pr: args.pr,
        job: args.job.clone(),
        head_sha: args.head.clone(),
        body,
        saved_at: Some(args.body_file.clone()),
    };
    let outcome = bot.upsert_comment(&request)?;
    println!("{}", outcome.describe(&repo, args.pr, &args.body_file));
    // Set even when the comment was stale: a status belongs to the commit it was measured on, so it cannot hide a
    // newer head's result.
    if let Some(state) = args.status {
        let status = StatusRequest {
            repo,
            sha: args.head.clone(),
            job: args.job.clone(),
            state: match state {
                StatusState::Success => GateState::Success,
                StatusState::Failure => GateState::Failure,
                StatusState::Error => GateState::Error,
            },
            description: args.status_description.clone(),
            target_url: args.target_url.clone(),
        };
        match bot.set_status(&status)? {
            StatusOutcome::Set => println!("set status coverage/{} on {}", args.job, args.head),
            StatusOutcome::DryRun => println!("dry run: status coverage/{} not set", args.job),
        }
    }
    Ok(exit::OK)
}
