//! The metrics-bot: the only module that talks to GitHub. It keeps one sticky PR comment per job up to date (found
//! by a hidden marker and the bot's own login, edited in place, never re-posted), refuses to let an older run
//! overwrite the comment of a newer head commit, and can set a commit status. Without a token it is a dry run.
//!
//! - [`secret`]: the token, read from a mounted secret file or the environment, never printed.
//! - [`marker`]: the hidden marker that names the job and head commit a comment was made for.
//! - [`api`]: HTTP over octocrab with our own bounded retries (octocrab's are off: they re-send POSTs).
//! - [`bot`]: [`MetricsBot`], a blocking facade that owns its tokio runtime: the upsert and the commit status.

mod api;
mod bot;
mod marker;
mod secret;

pub use crate::retry::RetryPolicy;
pub use bot::{BotOptions, CommentRequest, GateState, MetricsBot, Outcome, RepoRef, StatusOutcome, StatusRequest};
pub use marker::{format_marker, parse_marker};
pub use secret::{Secret, TokenSource};
