//! One module per subcommand: orchestration only.

mod baseline;
mod combine;
mod comment_post;
mod config;
mod convert;
mod diff;
mod html;
mod inputs;
mod junit;
mod report;
mod run;

use crate::cli::{Cli, Command, Mode};
use crate::error::Result;

/// Runs the parsed command line; the `Ok` value is the exit code.
pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Combine(args) => combine::run(args),
        Command::Report(args) => report::run(args),
        Command::Convert(args) => convert::run(args),
        Command::Baseline(command) => baseline::run(command),
        Command::Html(args) => html::run(args),
        Command::Junit(args) => junit::run(args),
        Command::Diff(args) => diff::run(args),
        Command::CommentPost(args) => comment_post::run(args),
        Command::Config(args) => config::run(args),
        Command::Run(args) => run::run(args.mode, args.job),
        Command::Presubmit(args) => run::run(Some(Mode::Presubmit), args),
        Command::Postsubmit(args) => run::run(Some(Mode::Postsubmit), args),
        Command::Periodic(args) => run::run(Some(Mode::Periodic), args),
        Command::Batch(args) => run::run(Some(Mode::Batch), args),
    }
}
