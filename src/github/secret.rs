//! The GitHub token: a [`Secret`] that never shows in `Debug`, errors or logs, and where it comes from. Prow mounts a
//! Kubernetes secret as a file; elsewhere `GITHUB_TOKEN` is the usual place.

use std::fmt;
use std::path::PathBuf;

use crate::env::Env;
use crate::error::{Error, Result};

/// A credential. `Debug` prints `Secret(<redacted>)`; there is no `Display`, so it cannot end up in a message by
/// accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// `text` with every occurrence of the value replaced, for what a server says back.
    pub(crate) fn redact(&self, text: &str) -> String {
        if self.0.is_empty() {
            return text.to_owned();
        }
        text.replace(&self.0, "<token redacted>")
    }

    /// The value, for the one place that sends it: the HTTP client.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The variable a token is taken from when no file is given.
pub const TOKEN_VAR: &str = "GITHUB_TOKEN";

/// Where the token comes from: a file (`--github-token-file`) wins over the environment (`GITHUB_TOKEN`).
#[derive(Clone, Debug, Default)]
pub struct TokenSource {
    pub file: Option<PathBuf>,
    /// The value of the environment's `GITHUB_TOKEN`, when set.
    pub env_token: Option<Secret>,
}

impl TokenSource {
    /// The usual sources: `file` if given, else `GITHUB_TOKEN` in `env`.
    pub fn new(file: Option<PathBuf>, env: &Env) -> TokenSource {
        TokenSource {
            file,
            env_token: env.get(TOKEN_VAR).map(Secret::new),
        }
    }

    /// The token, or `None` when no source is configured or the variable is unset or empty (a dry run).
    ///
    /// A file that was named but cannot be read, or is empty, is an error: a mis-mounted secret must fail the job,
    /// not quietly turn it into a dry run.
    pub fn load(&self) -> Result<Option<Secret>> {
        if let Some(path) = &self.file {
            // A configuration error (78), as `run` reports a token file it cannot open: a mis-mounted secret is the
            // job's set-up, not bad input.
            let text = std::fs::read_to_string(path).map_err(|e| {
                Error::config(
                    Some(path),
                    None,
                    format!("cannot read the GitHub token file: {e}; hint: check the secret mounted for the job"),
                )
            })?;
            let token = text.trim();
            if token.is_empty() {
                return Err(Error::config(
                    Some(path),
                    None,
                    "the GitHub token file is empty; hint: check the secret mounted for the job",
                ));
            }
            if token.contains(char::is_whitespace) {
                return Err(Error::config(
                    Some(path),
                    None,
                    "the GitHub token file holds more than one word; expected the token alone",
                ));
            }
            return Ok(Some(Secret::new(token)));
        }
        Ok(self.env_token.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = Secret::new("ghp_abcdef");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        assert_eq!(s.expose(), "ghp_abcdef");
    }
}
