//! [`MetricsBot`]: the sticky PR comment and the commit status, as blocking calls over [`Api`] (the bot owns a
//! current-thread tokio runtime, created here at the edge).
//!
//! The upsert lists the PR's comments (all pages), picks ours by the hidden marker *and* the bot's login, and edits
//! it in place; it creates one only when there is none, and never edits or deletes anyone else's. When our comment
//! names another head commit, the PR is fetched and the run stops if the PR has moved on: an older run finishing
//! last must not overwrite newer results.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use serde::Deserialize;
use serde_json::json;

use super::api::{Api, Method, Resend};
use super::marker::{format_marker, parse_marker};
use super::secret::Secret;
use crate::error::{Error, Result};
use crate::retry::RetryPolicy;

/// GitHub rejects longer comment bodies ("Body is too long").
const MAX_BODY_CHARS: usize = 65_536;
/// GitHub rejects longer status descriptions.
const MAX_STATUS_DESCRIPTION_CHARS: usize = 140;
/// A bound on pagination, against a server that always answers with a `next` link: 100 pages of 100 comments.
const MAX_PAGES: usize = 100;

/// How to reach GitHub. Without a token the bot is a dry run and sends nothing.
#[derive(Clone, Debug)]
pub struct BotOptions {
    /// `https://api.github.com`, or a GitHub Enterprise `https://<host>/api/v3`.
    pub base_url: String,
    pub token: Option<Secret>,
    /// The bot's login, when known; otherwise asked once with `GET /user` (which GitHub App installation tokens
    /// cannot call: set it for those).
    pub login: Option<String>,
    pub retry: RetryPolicy,
}

impl Default for BotOptions {
    fn default() -> Self {
        BotOptions {
            base_url: "https://api.github.com".to_owned(),
            token: None,
            login: None,
            retry: RetryPolicy::GITHUB,
        }
    }
}

/// `owner/name` of a repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepoRef {
    pub owner: String,
    pub name: String,
}

impl RepoRef {
    /// Parses `owner/name`; both parts must be GitHub names (letters, digits, `-`, `_`, `.`).
    pub fn parse(text: &str) -> Result<RepoRef> {
        let valid = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        match text.split_once('/') {
            Some((owner, name)) if valid(owner) && valid(name) => Ok(RepoRef {
                owner: owner.to_owned(),
                name: name.to_owned(),
            }),
            _ => Err(Error::Usage(format!(
                "invalid repository `{text}`: expected `owner/name`"
            ))),
        }
    }
}

impl std::fmt::Display for RepoRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// One job's comment on one PR.
#[derive(Clone, Debug)]
pub struct CommentRequest {
    pub repo: RepoRef,
    pub pr: u64,
    /// The job name in the marker: one comment per job.
    pub job: String,
    /// The PR head commit this run measured.
    pub head_sha: String,
    /// The comment. When it lacks this job's marker for `head_sha`, the marker is put first.
    pub body: String,
    /// Where the caller saved the body (`$ARTIFACTS/comment.md`), for the dry-run log line.
    pub saved_at: Option<PathBuf>,
}

/// What [`MetricsBot::upsert_comment`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Created(u64),
    /// Our comment was edited in place (also when a create answered 5xx but had landed: it is then re-sent as an
    /// edit, never posted twice).
    Updated(u64),
    /// Our comment describes another commit and the PR's head is no longer this run's: nothing was changed.
    SkippedStale {
        newer_head: String,
    },
    /// No token: nothing was sent.
    DryRun,
}

impl Outcome {
    /// One line for the log saying what happened to the comment on `repo#pr`; `saved_at` is where the body is.
    pub fn describe(&self, repo: &RepoRef, pr: u64, saved_at: &std::path::Path) -> String {
        match self {
            Outcome::Created(id) => format!("created comment {id} on {repo}#{pr}"),
            Outcome::Updated(id) => format!("updated comment {id} on {repo}#{pr}"),
            Outcome::SkippedStale { newer_head } => {
                format!("left the comment on {repo}#{pr} as it is: the PR has moved on to {newer_head}")
            }
            Outcome::DryRun => format!(
                "dry run (no GitHub token): nothing posted; the comment is in {}",
                saved_at.display()
            ),
        }
    }

    /// The outcome in a word or two, for `summary.json`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Created(_) => "created",
            Outcome::Updated(_) => "updated",
            Outcome::SkippedStale { .. } => "skipped: stale",
            Outcome::DryRun => "dry run",
        }
    }
}

/// The state of a commit status, from the gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GateState {
    Success,
    Failure,
    /// prowcov itself failed.
    Error,
}

impl GateState {
    fn as_str(self) -> &'static str {
        match self {
            GateState::Success => "success",
            GateState::Failure => "failure",
            GateState::Error => "error",
        }
    }
}

/// A commit status with context `coverage/<job>`.
#[derive(Clone, Debug)]
pub struct StatusRequest {
    pub repo: RepoRef,
    pub sha: String,
    pub job: String,
    pub state: GateState,
    /// The figures; cut to GitHub's 140 characters.
    pub description: String,
    /// The HTML report.
    pub target_url: Option<String>,
}

/// What [`MetricsBot::set_status`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatusOutcome {
    Set,
    DryRun,
}

#[derive(Deserialize)]
struct User {
    login: String,
}

#[derive(Deserialize)]
struct Comment {
    id: u64,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    user: Option<User>,
}

#[derive(Deserialize)]
struct Pull {
    head: Head,
}

#[derive(Deserialize)]
struct Head {
    sha: String,
}

/// Our comment on a PR: its id and the head commit its marker names.
struct Ours {
    id: u64,
    head: String,
}

/// The PR comment and commit status client. Blocking: each call runs on the bot's own runtime.
pub struct MetricsBot {
    api: Option<Api>,
    base_url: String,
    login: Mutex<Option<String>>,
    runtime: tokio::runtime::Runtime,
}

impl std::fmt::Debug for MetricsBot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsBot")
            .field("base_url", &self.base_url)
            .field("dry_run", &self.api.is_none())
            .finish_non_exhaustive()
    }
}

impl MetricsBot {
    pub fn new(options: BotOptions) -> Result<MetricsBot> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::GitHub {
                endpoint: options.base_url.clone(),
                status: None,
                message: format!("cannot start the async runtime: {e}"),
            })?;
        let api = match &options.token {
            // octocrab's builder needs a runtime context (it spawns nothing, but its layers may look for one).
            Some(token) => Some(runtime.block_on(async { Api::new(&options.base_url, token, options.retry) })?),
            None => None,
        };
        Ok(MetricsBot {
            api,
            base_url: options.base_url,
            login: Mutex::new(options.login),
            runtime,
        })
    }

    /// True when there is no token: every call is a dry run.
    pub fn is_dry_run(&self) -> bool {
        self.api.is_none()
    }

    /// Creates or edits this job's comment on the PR; see the module docs.
    pub fn upsert_comment(&self, request: &CommentRequest) -> Result<Outcome> {
        let Some(api) = &self.api else {
            let place = request
                .saved_at
                .as_ref()
                .map_or_else(|| "was not saved".to_owned(), |p| format!("is in {}", p.display()));
            tracing::info!(
                "no GitHub token (--github-token-file or GITHUB_TOKEN): dry run, nothing posted to {}#{}; the comment {place}",
                request.repo,
                request.pr
            );
            return Ok(Outcome::DryRun);
        };
        let chars = request.body.chars().count();
        if chars > MAX_BODY_CHARS {
            return Err(Error::GitHub {
                endpoint: comments_path(request),
                status: None,
                message: format!(
                    "the comment has {chars} characters, more than GitHub's {MAX_BODY_CHARS}; hint: it should have been shortened when rendered"
                ),
            });
        }
        let head = request.head_sha.to_ascii_lowercase();
        let body = match parse_marker(&request.body) {
            Some((job, h)) if job == request.job && h == head => request.body.clone(),
            _ => format!("{}\n{}", format_marker(&request.job, &head), request.body),
        };
        self.runtime.block_on(async {
            let login = self.login(api).await?;
            match self.find_ours(api, request, &login).await? {
                Some(ours) => self.update(api, request, &head, &body, ours).await,
                None => self.create(api, request, &head, &body, &login).await,
            }
        })
    }

    /// Sets the `coverage/<job>` commit status.
    pub fn set_status(&self, request: &StatusRequest) -> Result<StatusOutcome> {
        let Some(api) = &self.api else {
            tracing::info!(
                "no GitHub token: dry run, commit status coverage/{} not set on {}",
                request.job,
                request.sha
            );
            return Ok(StatusOutcome::DryRun);
        };
        if request.sha.is_empty() || !request.sha.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(Error::Usage(format!(
                "invalid commit SHA `{}` for the commit status",
                request.sha
            )));
        }
        let path = format!(
            "/repos/{}/{}/statuses/{}",
            request.repo.owner, request.repo.name, request.sha
        );
        let mut payload = json!({
            "state": request.state.as_str(),
            "context": format!("coverage/{}", request.job),
            "description": truncate(&request.description, MAX_STATUS_DESCRIPTION_CHARS),
        });
        if let Some(url) = &request.target_url {
            payload["target_url"] = json!(url);
        }
        // Re-sending a status is harmless: GitHub shows the latest per context.
        self.runtime.block_on(async {
            api.send(Method::Post, &path, Some(&payload), Resend::Always)
                .await
                .map_err(|f| f.error)
        })?;
        Ok(StatusOutcome::Set)
    }

    /// The bot's login: given, or asked once with `GET /user`.
    async fn login(&self, api: &Api) -> Result<String> {
        if let Some(login) = self.cached_login() {
            return Ok(login);
        }
        let reply = api
            .send(Method::Get, "/user", None, Resend::Always)
            .await
            .map_err(|f| f.error)?;
        let user: User = reply.json("GET /user")?;
        if let Ok(mut cached) = self.login.lock() {
            *cached = Some(user.login.clone());
        }
        Ok(user.login)
    }

    fn cached_login(&self) -> Option<String> {
        self.login.lock().ok().and_then(|l| l.clone())
    }

    /// Our comment for this job, following every page. Several (from a past bug): the newest; the rest stay.
    async fn find_ours(&self, api: &Api, request: &CommentRequest, login: &str) -> Result<Option<Ours>> {
        let endpoint = format!("GET {}", comments_path(request));
        let mut url = format!("{}?per_page=100", comments_path(request));
        let mut found: Vec<Ours> = Vec::new();
        for page in 1.. {
            if page > MAX_PAGES {
                return Err(Error::GitHub {
                    endpoint,
                    status: None,
                    message: format!("more than {MAX_PAGES} pages of comments; the `Link` header may loop"),
                });
            }
            let reply = api
                .send(Method::Get, &url, None, Resend::Always)
                .await
                .map_err(|f| f.error)?;
            let comments: Vec<Comment> = reply.json(&endpoint)?;
            for comment in comments {
                let by_us = comment
                    .user
                    .as_ref()
                    .is_some_and(|u| u.login.eq_ignore_ascii_case(login));
                let marker = comment.body.as_deref().and_then(parse_marker);
                if let Some((job, head)) = marker
                    && job == request.job
                {
                    if by_us {
                        found.push(Ours { id: comment.id, head });
                    } else {
                        tracing::debug!(
                            "comment {} carries our marker but is not by {login}: left alone",
                            comment.id
                        );
                    }
                }
            }
            match reply.next {
                Some(next) => url = api.relative(&next)?,
                None => break,
            }
        }
        found.sort_by_key(|o| o.id);
        let newest = found.pop();
        if let Some(ours) = &newest
            && !found.is_empty()
        {
            let others: Vec<String> = found.iter().map(|o| o.id.to_string()).collect();
            tracing::warn!(
                "{} comments by {login} carry the marker of job {} on {}#{}: updating the newest ({}), leaving {}",
                found.len() + 1,
                request.job,
                request.repo,
                request.pr,
                ours.id,
                others.join(", ")
            );
        }
        Ok(newest)
    }

    /// Edits our comment, unless it describes another commit and the PR has moved past this run's head.
    async fn update(&self, api: &Api, request: &CommentRequest, head: &str, body: &str, ours: Ours) -> Result<Outcome> {
        if ours.head != head {
            let path = format!(
                "/repos/{}/{}/pulls/{}",
                request.repo.owner, request.repo.name, request.pr
            );
            let reply = api
                .send(Method::Get, &path, None, Resend::Always)
                .await
                .map_err(|f| f.error)?;
            let pull: Pull = reply.json(&format!("GET {path}"))?;
            let pr_head = pull.head.sha.to_ascii_lowercase();
            if pr_head != head {
                tracing::warn!(
                    "{}#{} has moved on to {pr_head} (this run measured {head}): comment {} left as it is",
                    request.repo,
                    request.pr,
                    ours.id
                );
                return Ok(Outcome::SkippedStale { newer_head: pr_head });
            }
        }
        let path = format!(
            "/repos/{}/{}/issues/comments/{}",
            request.repo.owner, request.repo.name, ours.id
        );
        // PATCH, not octocrab's `update_comment` (which sends POST); the same body twice is harmless, so retry.
        api.send(Method::Patch, &path, Some(&json!({ "body": body })), Resend::Always)
            .await
            .map_err(|f| f.error)?;
        tracing::info!("updated comment {} on {}#{}", ours.id, request.repo, request.pr);
        Ok(Outcome::Updated(ours.id))
    }

    /// Posts the comment. A 5xx or a dropped connection may hide a success, so before trying again the comments are
    /// listed and a comment of ours that appeared meanwhile is edited instead.
    async fn create(
        &self,
        api: &Api,
        request: &CommentRequest,
        head: &str,
        body: &str,
        login: &str,
    ) -> Result<Outcome> {
        let path = comments_path(request);
        let endpoint = format!("POST {path}");
        let payload = json!({ "body": body });
        let started = Instant::now();
        let mut attempt = 0;
        loop {
            let failure = match api
                .send(Method::Post, &path, Some(&payload), Resend::RateLimitsOnly)
                .await
            {
                Ok(reply) => {
                    let comment: Comment = reply.json(&endpoint)?;
                    tracing::info!("created comment {} on {}#{}", comment.id, request.repo, request.pr);
                    return Ok(Outcome::Created(comment.id));
                }
                Err(failure) => failure,
            };
            let delay = api.retry.backoff(attempt);
            if !failure.is_ambiguous() || !api.retry.allows(attempt, started.elapsed(), delay) {
                return Err(failure.error);
            }
            tracing::warn!(
                "{}; it may have landed: looking for it before trying again",
                failure.error
            );
            tokio::time::sleep(delay).await;
            if let Some(ours) = self.find_ours(api, request, login).await? {
                tracing::info!(
                    "comment {} appeared after the failed create: editing it instead",
                    ours.id
                );
                return self.update(api, request, head, body, ours).await;
            }
            attempt += 1;
        }
    }
}

fn comments_path(request: &CommentRequest) -> String {
    format!(
        "/repos/{}/{}/issues/{}/comments",
        request.repo.owner, request.repo.name, request.pr
    )
}

/// `text` cut to `max` characters, ending in `…` when cut.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_ref() {
        assert_eq!(
            RepoRef::parse("kubernetes/test-infra")
                .map(|r| r.to_string())
                .ok()
                .as_deref(),
            Some("kubernetes/test-infra")
        );
        assert!(RepoRef::parse("a/b/c").is_err());
        assert!(RepoRef::parse("a").is_err());
    }

    #[test]
    fn status_description_is_cut_to_140_chars() {
        let long = "é".repeat(200);
        let cut = truncate(&long, 140);
        assert_eq!(cut.chars().count(), 140);
        assert!(cut.ends_with('…'));
        assert_eq!(truncate("85.1% (+0.3)", 140), "85.1% (+0.3)");
    }
}
