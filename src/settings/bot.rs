//! The metrics-bot's settings, shared by `prowcov comment-post` and the job's pre-submit: the API, the token's
//! source and the bot's login, from the flags over the configuration's `[bot]` and the environment
//! (`PROWCOV_GITHUB_URL`, `PROWCOV_GITHUB_TOKEN_FILE`, `GITHUB_TOKEN`).

use std::path::{Path, PathBuf};

use super::inputs::repo_config;
use crate::cli::CommentPostArgs;
use crate::config::{LoadedConfig, Origin, Overrides};
use crate::env::Env;
use crate::error::{Error, Result};
use crate::github::{BotOptions, RepoRef, RetryPolicy, TokenSource};

/// The environment variable naming the repository, for `comment-post`.
pub const GITHUB_REPO: &str = "PROWCOV_GITHUB_REPO";

/// How to reach GitHub as the bot.
#[derive(Clone, Debug)]
pub struct BotSettings {
    pub base_url: String,
    pub token: TokenSource,
    pub login: Option<String>,
}

impl BotSettings {
    /// The bot of `config` (flags applied), for the repository at `root`.
    pub fn of(config: &LoadedConfig, root: &Path, env: &Env) -> BotSettings {
        BotSettings {
            base_url: config.config.bot.github_url.as_str().to_owned(),
            token: TokenSource::new(token_path(config, root), env),
            login: config.config.bot.login.clone(),
        }
    }

    /// The bot's options, loading the token (a named file that cannot be read is an error).
    pub fn options(&self) -> Result<BotOptions> {
        Ok(BotOptions {
            base_url: self.base_url.clone(),
            token: self.token.load()?,
            login: self.login.clone(),
            retry: RetryPolicy::GITHUB,
        })
    }
}

/// The bot's token file: a relative path from the configuration file is relative to the root.
pub fn token_path(config: &LoadedConfig, root: &Path) -> Option<PathBuf> {
    let file = config.config.bot.token_file.as_ref()?;
    let from_file = matches!(config.origins.get("bot.token-file"), Some(Origin::File));
    Some(if from_file && file.is_relative() {
        root.join(file)
    } else {
        file.clone()
    })
}

/// `prowcov comment-post`'s settings.
#[derive(Clone, Debug)]
pub struct CommentPostSettings {
    pub repo: RepoRef,
    pub bot: BotSettings,
}

impl CommentPostSettings {
    /// Resolves `args` with the configuration of the current directory.
    pub fn resolve(args: &CommentPostArgs, env: &Env) -> Result<CommentPostSettings> {
        let root = std::env::current_dir().map_err(|e| Error::read(".", e))?;
        let overrides = Overrides {
            github_url: args.github_url.clone(),
            token_file: args.github_token_file.clone(),
            bot_login: args.bot_login.clone(),
            ..Overrides::default()
        };
        let config = repo_config(&root, &overrides, env)?;
        let repo = args
            .repo
            .clone()
            .or_else(|| env.get(GITHUB_REPO).map(str::to_owned))
            .ok_or_else(|| {
                Error::Usage(format!(
                    "--repo is required (or {GITHUB_REPO}): the repository, owner/name"
                ))
            })?;
        Ok(CommentPostSettings {
            repo: RepoRef::parse(&repo)?,
            bot: BotSettings::of(&config, &root, env),
        })
    }
}
