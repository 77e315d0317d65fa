//! One module per subcommand: orchestration only.

mod baseline;
mod combine;
mod comment_post;
mod config;
mod convert;
mod diff;
mod html;
mod junit;
mod report;
mod run;

use crate::cli::{Cli, Command, Mode};
use crate::env::Env;
use crate::error::Result;
use crate::warnings::Warnings;

/// Runs the parsed command line in the environment `env` (the snapshot `main` took); the `Ok` value is the exit
/// code.
pub fn run(cli: Cli, env: &Env) -> Result<u8> {
    let warnings = Warnings::default();
    let outcome = dispatch(cli, env, &warnings);
    warnings.print();
    outcome
}

fn dispatch(cli: Cli, env: &Env, warnings: &Warnings) -> Result<u8> {
    match cli.command {
        Command::Combine(args) => combine::run(args, env),
        Command::Report(args) => report::run(args, env, warnings),
        Command::Convert(args) => convert::run(args, env, warnings),
        Command::Baseline(command) => baseline::run(command, env, warnings),
        Command::Html(args) => html::run(args, env, warnings),
        Command::Junit(args) => junit::run(args, env, warnings),
        Command::Diff(args) => diff::run(args, env, warnings),
        Command::CommentPost(args) => comment_post::run(args, env),
        Command::Config(args) => config::run(args, env),
        Command::Run(args) => run::run(args.mode, args.job, env, warnings),
        Command::Presubmit(args) => run::run(Some(Mode::Presubmit), args, env, warnings),
        Command::Postsubmit(args) => run::run(Some(Mode::Postsubmit), args, env, warnings),
        Command::Periodic(args) => run::run(Some(Mode::Periodic), args, env, warnings),
        Command::Batch(args) => run::run(Some(Mode::Batch), args, env, warnings),
    }
}
