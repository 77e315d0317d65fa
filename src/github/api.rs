//! HTTP to GitHub's REST API over octocrab's client (auth, base URL, TLS, timeouts), with octocrab's own retry
//! switched off (its default re-sends a POST at once after a 5xx, which can post a comment twice, and ignores
//! `retry-after`). [`Api::send`] retries here instead: 5xx, transport errors and secondary rate limits, with
//! backoff, a bounded count and total time, honouring (capped) `retry-after`. A POST is retried only when GitHub
//! certainly did not act on it (a rate limit); after a 5xx the caller decides, because the write may have landed.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use octocrab::Octocrab;
use octocrab::service::middleware::retry::RetryConfig;
use serde::de::DeserializeOwned;

use super::secret::Secret;
use crate::error::{Error, Result};
use crate::retry::RetryPolicy;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Patch,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
        }
    }
}

/// Which failures [`Api::send`] may retry by itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Resend {
    /// Any transient failure: the request is idempotent (GET, PATCH with the same body, a commit status).
    Always,
    /// Only rate limits, which GitHub rejects before acting: a create, where a 5xx may hide a success.
    RateLimitsOnly,
}

/// A response that arrived, with what the bot needs from it.
pub(crate) struct Reply {
    pub status: u16,
    /// The `Link` header's `rel="next"` target, if any.
    pub next: Option<String>,
    /// For a 403/429 that is a rate limit: how long GitHub asks to wait (`retry-after`, or until the reset).
    rate_limit: Option<Duration>,
    pub body: String,
}

impl Reply {
    pub fn json<T: DeserializeOwned>(&self, endpoint: &str) -> Result<T> {
        serde_json::from_str(&self.body).map_err(|e| Error::GitHub {
            endpoint: endpoint.to_owned(),
            status: Some(self.status),
            message: format!("unexpected response body: {e}"),
        })
    }
}

/// A failed request: a transport error (`status` `None`) or an error status, after any retries.
#[derive(Debug)]
pub(crate) struct Failure {
    pub status: Option<u16>,
    pub error: Error,
}

impl Failure {
    /// A 5xx or a transport error: GitHub may or may not have acted on the request.
    pub fn is_ambiguous(&self) -> bool {
        self.status.is_none_or(|s| s >= 500)
    }
}

/// The GitHub client: octocrab's transport plus our retries.
pub(crate) struct Api {
    gh: Octocrab,
    /// `scheme://authority` of the API, to keep pagination on the same host.
    origin: String,
    pub retry: RetryPolicy,
    /// Kept to take it out of what a server says back: an error message, or a proxy's page, may quote the request.
    token: Secret,
}

impl Api {
    /// A client for `base_url` (`https://api.github.com`, or a GitHub Enterprise `https://host/api/v3`).
    pub fn new(base_url: &str, token: &Secret, retry: RetryPolicy) -> Result<Api> {
        let base = base_url.trim_end_matches('/');
        let bad_url = |detail: String| Error::Usage(format!("invalid GitHub API URL `{base}`: {detail}"));
        let url = reqwest::Url::parse(base).map_err(|e| bad_url(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
            return Err(bad_url("expected an absolute http(s) URL".into()));
        }
        let origin = url.origin().ascii_serialization();
        let gh = Octocrab::builder()
            .base_uri(base)
            .map_err(|e| bad_url(e.to_string()))?
            .personal_token(token.expose().to_owned())
            .add_retry_config(RetryConfig::None)
            .set_connect_timeout(Some(Duration::from_secs(10)))
            .set_read_timeout(Some(Duration::from_secs(30)))
            .add_header(reqwest::header::ACCEPT, "application/vnd.github+json".to_owned())
            .add_header(
                reqwest::header::HeaderName::from_static("x-github-api-version"),
                "2022-11-28".to_owned(),
            )
            .build()
            .map_err(|e| Error::GitHub {
                endpoint: base.to_owned(),
                status: None,
                message: format!("cannot set up the HTTP client: {e}"),
            })?;
        Ok(Api {
            gh,
            origin,
            retry,
            token: token.clone(),
        })
    }

    /// `path` (with any query) relative to the API base, or an absolute `Link` URL on the API's own host, turned
    /// into the relative form octocrab expects: octocrab sends the token only with relative URLs (or to
    /// api.github.com), so a GitHub Enterprise page 2 given as an absolute URL would go out unauthenticated.
    pub fn relative(&self, url: &str) -> Result<String> {
        if url.starts_with('/') {
            return Ok(url.to_owned());
        }
        match url.strip_prefix(&self.origin) {
            Some(rest) if rest.starts_with('/') => Ok(rest.to_owned()),
            _ => Err(Error::GitHub {
                endpoint: url.to_owned(),
                status: None,
                message: format!("refusing to follow a pagination link off the API host {}", self.origin),
            }),
        }
    }

    /// Sends one request, retrying per `resend` and the policy; `Ok` only for a 2xx.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
        resend: Resend,
    ) -> std::result::Result<Reply, Failure> {
        let endpoint = format!("{} {}", method.as_str(), strip_query(path));
        let started = Instant::now();
        let mut retry = 0;
        loop {
            let attempt = self.attempt(method, path, body).await;
            let (failure, wait) = match attempt {
                Ok(reply) if (200..300).contains(&reply.status) => return Ok(reply),
                Ok(reply) => classify(&endpoint, reply, &self.retry),
                Err(message) => (
                    Failure {
                        status: None,
                        error: Error::GitHub {
                            endpoint: endpoint.clone(),
                            status: None,
                            message,
                        },
                    },
                    Some(Wait::Backoff),
                ),
            };
            let failure = self.redacted(failure);
            let rate_limited = matches!(wait, Some(Wait::RateLimit(_)));
            let allowed = match resend {
                Resend::Always => wait.is_some(),
                Resend::RateLimitsOnly => rate_limited,
            };
            let delay = match wait {
                Some(Wait::RateLimit(d)) => d,
                _ => self.retry.backoff(retry),
            };
            if !allowed || !self.retry.allows(retry, started.elapsed(), delay) {
                if allowed {
                    tracing::warn!("{endpoint}: giving up after {} attempts", retry + 1);
                }
                return Err(failure);
            }
            tracing::warn!(
                "{}; retrying in {:.1} s ({}/{})",
                failure.error,
                delay.as_secs_f64(),
                retry + 1,
                self.retry.max_retries
            );
            tokio::time::sleep(delay).await;
            retry += 1;
        }
    }

    /// `failure` with the token replaced wherever the server or a transport error quoted it, before it is logged
    /// or returned.
    fn redacted(&self, mut failure: Failure) -> Failure {
        if let Error::GitHub { message, .. } = &mut failure.error {
            *message = self.token.redact(message);
        }
        failure
    }

    /// One HTTP exchange; `Err` is a transport error's description.
    async fn attempt(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> std::result::Result<Reply, String> {
        let response = match method {
            Method::Get => self.gh._get(path).await,
            Method::Post => self.gh._post(path, body).await,
            Method::Patch => self.gh._patch(path, body).await,
        }
        .map_err(|e| describe(&e))?;
        let status = response.status().as_u16();
        let headers = response.headers();
        let next = headers.get("link").and_then(|v| v.to_str().ok()).and_then(next_link);
        let retry_after = headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let remaining = headers
            .get("x-ratelimit-remaining")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim() == "0");
        let reset = headers
            .get("x-ratelimit-reset")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let body = self.gh.body_to_string(response).await.map_err(|e| describe(&e))?;
        let rate_limit = match status {
            403 | 429 => retry_after
                .map(Duration::from_secs)
                .or_else(|| (remaining == Some(true)).then(|| until(reset)))
                // A 429 always means "slow down", even without headers.
                .or_else(|| (status == 429).then(|| Duration::from_secs(1))),
            _ => None,
        };
        Ok(Reply {
            status,
            next,
            rate_limit,
            body,
        })
    }
}

enum Wait {
    Backoff,
    RateLimit(Duration),
}

/// The error for a non-2xx reply, and whether (and how long) to wait before a retry.
fn classify(endpoint: &str, reply: Reply, policy: &RetryPolicy) -> (Failure, Option<Wait>) {
    let status = reply.status;
    let limit = reply.rate_limit;
    let github_message = serde_json::from_str::<serde_json::Value>(&reply.body)
        .ok()
        .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
        .unwrap_or_else(|| reply.body.chars().take(200).collect());
    let hint = match (status, &limit) {
        (401, _) => "; hint: the token is invalid or expired",
        (403, None) => {
            "; hint: the token may lack the scope (`repo` or `public_repo`, or pull-requests/statuses write)"
        }
        (404, _) => "; hint: check the repository and number, and that the token can see the repository",
        (422, _) => "; hint: GitHub rejected the request's content",
        (403 | 429, Some(_)) => " (rate limited)",
        _ => "",
    };
    let wait = match limit {
        Some(d) if d > policy.max_retry_after => None,
        Some(d) => Some(Wait::RateLimit(d.max(Duration::from_millis(100)))),
        None if status >= 500 => Some(Wait::Backoff),
        None => None,
    };
    let mut message = format!("{github_message}{hint}");
    if let Some(d) = limit.filter(|d| *d > policy.max_retry_after) {
        message.push_str(&format!(
            "; GitHub asks to wait {} s, longer than the {} s prowcov waits",
            d.as_secs(),
            policy.max_retry_after.as_secs()
        ));
    }
    let failure = Failure {
        status: Some(status),
        error: Error::GitHub {
            endpoint: endpoint.to_owned(),
            status: Some(status),
            message,
        },
    };
    (failure, wait)
}

/// The time until a `x-ratelimit-reset` epoch second (at least 1 s).
fn until(reset: Option<u64>) -> Duration {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    Duration::from_secs(reset.map_or(60, |r| r.saturating_sub(now)).max(1))
}

/// An octocrab transport error as text. octocrab never puts the request's headers (so the token) in its errors;
/// the source chain names the connection problem.
fn describe(e: &octocrab::Error) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

fn strip_query(path: &str) -> &str {
    path.split_once('?').map_or(path, |(p, _)| p)
}

/// The `rel="next"` URL of a `Link` header.
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| matches!(p.trim(), "rel=\"next\"" | "rel=next"));
        let url = url.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| url.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_next() {
        let h = r#"<https://api.github.com/r?page=2>; rel="next", <https://api.github.com/r?page=5>; rel="last""#;
        assert_eq!(next_link(h).as_deref(), Some("https://api.github.com/r?page=2"));
        assert_eq!(next_link(r#"<https://x/r?page=1>; rel="prev""#), None);
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RetryPolicy::GITHUB;
        assert_eq!(p.backoff(0), Duration::from_millis(500));
        assert_eq!(p.backoff(2), Duration::from_secs(2));
        assert_eq!(p.backoff(30), Duration::from_secs(8));
    }
}
