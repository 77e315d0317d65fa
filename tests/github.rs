//! The metrics-bot against two servers on 127.0.0.1, both stopped by the test that starts them:
//! - an in-process fake GitHub (a wiremock responder with state) that records every request, for behaviour:
//!   edit in place, pagination, other people's comments, stale heads, retries, dry run, the token kept secret;
//! - Prism serving GitHub's published REST description (trimmed by scripts/github-contract), for the contract:
//!   `prism mock` answers the bot's calls, and `prism proxy` in front of the fake checks a full two-run flow, the
//!   fake's answers included. Those tests are ignored (with a reason) for a bare `cargo test` and fail when Prism is missing.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::fake_github::{BOT, Fault, Fixture, HEAD, contract_dir};
use prowcov::env::Env;
use prowcov::github::{
    BotOptions, CommentRequest, GateState, MetricsBot, Outcome, RepoRef, RetryPolicy, Secret, StatusOutcome,
    StatusRequest, TokenSource, parse_marker,
};
use serde_json::Value;
use wiremock::Request;

const TOKEN: &str = "ghp_prowcovTestToken0123456789abcdefXYZ";
const NEWER: &str = "2222222222222222222222222222222222222222";

// ---------------------------------------------------------------------------------------------------------------
// The fake GitHub.

trait BotAt {
    fn bot(&self) -> MetricsBot;
}

impl BotAt for Fixture {
    fn bot(&self) -> MetricsBot {
        bot_at(&self.server.uri())
    }
}

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_retries: 3,
        initial_backoff: Duration::from_millis(50),
        total: Duration::from_secs(20),
        max_retry_after: Duration::from_secs(5),
        ..RetryPolicy::GITHUB
    }
}

fn bot_at(base_url: &str) -> MetricsBot {
    MetricsBot::new(BotOptions {
        base_url: base_url.to_owned(),
        token: Some(Secret::new(TOKEN)),
        login: None,
        retry: fast_retry(),
    })
    .expect("bot")
}

fn request(head: &str, body: &str) -> CommentRequest {
    CommentRequest {
        repo: RepoRef::parse("octo/widgets").expect("repo"),
        pr: 7,
        job: "pull-widgets-coverage".to_owned(),
        head_sha: head.to_owned(),
        body: body.to_owned(),
        saved_at: Some(PathBuf::from("/logs/artifacts/comment.md")),
    }
}

fn marker(head: &str) -> String {
    format!("<!-- prowcov:pull-widgets-coverage head={head} -->")
}

// ---------------------------------------------------------------------------------------------------------------
// Behaviour.

#[test]
fn second_run_edits_the_comment_in_place() {
    let f = Fixture::start();
    let bot = f.bot();
    let first = bot.upsert_comment(&request(HEAD, "coverage 80%")).expect("first run");
    let Outcome::Created(id) = first else {
        panic!("expected a create, got {first:?}")
    };
    let second = bot.upsert_comment(&request(HEAD, "coverage 81%")).expect("second run");
    assert_eq!(second, Outcome::Updated(id));

    let s = f.fake.state();
    assert_eq!(s.comments.len(), 1, "one comment, edited: {:?}", s.comments);
    let body = &s.comments[0].2;
    assert!(body.ends_with("coverage 81%"), "{body}");
    assert_eq!(
        parse_marker(body),
        Some(("pull-widgets-coverage".to_owned(), HEAD.to_owned()))
    );
    drop(s);
    // GET /user once (cached), then list+create, then list+PATCH; never DELETE or POST to a comment id.
    assert_eq!(f.fake.count("GET", "/user"), 1, "{:?}", f.fake.requests());
    assert_eq!(f.fake.count("POST", "/comments"), 1);
    assert_eq!(f.fake.count("PATCH", &format!("/issues/comments/{id}")), 1);
    assert_eq!(f.fake.count("DELETE", ""), 0);
}

#[test]
fn our_comment_on_page_two_is_found_and_no_duplicate_is_created() {
    let f = Fixture::start();
    for i in 0..150 {
        f.fake.add_comment("reviewer", &format!("comment {i}"));
    }
    let ours = f.fake.add_comment(BOT, &format!("{}\nold", marker(HEAD)));
    f.fake.add_comment("reviewer", "after");

    let outcome = f.bot().upsert_comment(&request(HEAD, "new")).expect("upsert");
    assert_eq!(outcome, Outcome::Updated(ours));
    assert_eq!(f.fake.count("POST", "/comments"), 0, "{:?}", f.fake.requests());
    assert_eq!(
        f.fake.count("GET", "page=2"),
        1,
        "followed the Link: {:?}",
        f.fake.requests()
    );
    assert!(f.fake.requests().iter().any(|r| r.contains("per_page=100")));
}

#[test]
fn a_comment_by_someone_else_with_our_marker_is_not_touched() {
    let f = Fixture::start();
    let theirs_body = format!("{}\nquoted by a human", marker(HEAD));
    let theirs = f.fake.add_comment("a-human", &theirs_body);
    let outcome = f.bot().upsert_comment(&request(HEAD, "ours")).expect("upsert");
    let Outcome::Created(id) = outcome else {
        panic!("expected a create, got {outcome:?}")
    };
    assert_ne!(id, theirs);
    let s = f.fake.state();
    assert_eq!(s.comments[0], (theirs, "a-human".to_owned(), theirs_body));
    assert_eq!(s.comments.len(), 2);
}

#[test]
fn several_of_ours_update_the_newest_and_leave_the_rest() {
    let f = Fixture::start();
    let older = f.fake.add_comment(BOT, &format!("{}\nA", marker(HEAD)));
    let newer = f.fake.add_comment(BOT, &format!("{}\nB", marker(HEAD)));
    let outcome = f.bot().upsert_comment(&request(HEAD, "C")).expect("upsert");
    assert_eq!(outcome, Outcome::Updated(newer));
    let s = f.fake.state();
    assert!(s.comments.iter().any(|c| c.0 == older && c.2.ends_with("\nA")));
}

#[test]
fn an_older_run_does_not_overwrite_a_newer_head() {
    // Regression for "stale overwrites": a run for HEAD finishing after the run for NEWER.
    let f = Fixture::start();
    let newer_body = format!("{}\nfor the newer head", marker(NEWER));
    let id = f.fake.add_comment(BOT, &newer_body);
    f.fake.state().pr_head = NEWER.to_owned();
    let outcome = f.bot().upsert_comment(&request(HEAD, "stale")).expect("upsert");
    assert_eq!(
        outcome,
        Outcome::SkippedStale {
            newer_head: NEWER.to_owned()
        }
    );
    assert_eq!(f.fake.state().comments, vec![(id, BOT.to_owned(), newer_body)]);
    assert_eq!(f.fake.count("GET", "/pulls/7"), 1);
    assert_eq!(f.fake.count("PATCH", ""), 0);
}

#[test]
fn a_new_head_replaces_the_comment_of_an_older_one() {
    let f = Fixture::start();
    let id = f.fake.add_comment(BOT, &format!("{}\nold head", marker(HEAD)));
    f.fake.state().pr_head = NEWER.to_owned();
    let outcome = f.bot().upsert_comment(&request(NEWER, "new head")).expect("upsert");
    assert_eq!(outcome, Outcome::Updated(id));
    let body = f.fake.state().comments[0].2.clone();
    assert!(body.starts_with(&marker(NEWER)), "{body}");
}

#[test]
fn a_502_is_retried_then_succeeds() {
    let f = Fixture::start();
    f.fake.fault(Fault::new("GET", "/comments", 502));
    let outcome = f.bot().upsert_comment(&request(HEAD, "x")).expect("upsert");
    assert!(matches!(outcome, Outcome::Created(_)), "{outcome:?}");
    assert_eq!(f.fake.count("GET", "/comments"), 2, "{:?}", f.fake.requests());
}

#[test]
fn a_secondary_rate_limit_waits_for_retry_after() {
    let f = Fixture::start();
    f.fake.fault(
        Fault::new("POST", "/comments", 403).with_headers(&[("retry-after", "1"), ("x-ratelimit-remaining", "0")]),
    );
    let outcome = f.bot().upsert_comment(&request(HEAD, "x")).expect("upsert");
    assert!(matches!(outcome, Outcome::Created(_)), "{outcome:?}");
    let s = f.fake.state();
    let posts: Vec<Instant> = s
        .log
        .iter()
        .filter(|(m, p, _)| m == "POST" && p.ends_with("/comments"))
        .map(|(_, _, t)| *t)
        .collect();
    assert_eq!(posts.len(), 2);
    let waited = posts[1] - posts[0];
    assert!(waited >= Duration::from_millis(950), "waited {waited:?}");
    assert_eq!(s.comments.len(), 1);
}

#[test]
fn a_long_retry_after_fails_at_once_naming_the_endpoint() {
    let f = Fixture::start();
    f.fake
        .fault(Fault::new("GET", "/user", 429).with_headers(&[("retry-after", "3600")]));
    let started = Instant::now();
    let err = f.bot().upsert_comment(&request(HEAD, "x")).expect_err("gives up");
    assert!(started.elapsed() < Duration::from_secs(3));
    let text = err.to_string();
    assert!(text.contains("GET /user") && text.contains("HTTP 429"), "{text}");
    assert!(text.contains("3600 s"), "{text}");
    assert_eq!(err.exit_code(), prowcov::error::exit::IO);
}

#[test]
fn a_create_that_failed_with_502_but_landed_is_not_posted_twice() {
    let f = Fixture::start();
    f.fake.fault(Fault::new("POST", "/comments", 502).landing());
    let outcome = f.bot().upsert_comment(&request(HEAD, "only once")).expect("upsert");
    let s = f.fake.state();
    assert_eq!(s.comments.len(), 1, "posted twice: {:?}", s.comments);
    assert_eq!(outcome, Outcome::Updated(s.comments[0].0));
    drop(s);
    assert_eq!(f.fake.count("POST", "/comments"), 1, "{:?}", f.fake.requests());
    assert_eq!(f.fake.count("GET", "/comments"), 2);
}

#[test]
fn a_create_that_failed_with_502_and_did_not_land_is_sent_again() {
    let f = Fixture::start();
    f.fake.fault(Fault::new("POST", "/comments", 502));
    let outcome = f.bot().upsert_comment(&request(HEAD, "x")).expect("upsert");
    assert!(matches!(outcome, Outcome::Created(_)), "{outcome:?}");
    assert_eq!(f.fake.state().comments.len(), 1);
    assert_eq!(f.fake.count("POST", "/comments"), 2);
}

#[test]
fn errors_name_the_endpoint_status_and_a_hint() {
    let f = Fixture::start();
    f.fake.fault(Fault::new("POST", "/comments", 403));
    let err = f.bot().upsert_comment(&request(HEAD, "x")).expect_err("403");
    let text = err.to_string();
    assert!(text.contains("POST /repos/octo/widgets/issues/7/comments"), "{text}");
    assert!(text.contains("HTTP 403") && text.contains("scope"), "{text}");
    assert_eq!(f.fake.count("POST", "/comments"), 1, "a plain 403 is not retried");
}

#[test]
fn commit_status_has_the_job_context_and_a_short_description() {
    let f = Fixture::start();
    let outcome = f
        .bot()
        .set_status(&StatusRequest {
            repo: RepoRef::parse("octo/widgets").expect("repo"),
            sha: HEAD.to_owned(),
            job: "pull-widgets-coverage".to_owned(),
            state: GateState::Failure,
            description: format!("patch 61.0% < 80% {}", "x".repeat(300)),
            target_url: Some("https://gcsweb.example/report/index.html".to_owned()),
        })
        .expect("status");
    assert_eq!(outcome, StatusOutcome::Set);
    let received = f.server_requests();
    let status = received
        .iter()
        .find(|r| r.url.path().ends_with(&format!("/statuses/{HEAD}")))
        .expect("status sent");
    let body: Value = status.body_json().expect("json");
    assert_eq!(body["context"], "coverage/pull-widgets-coverage");
    assert_eq!(body["state"], "failure");
    assert_eq!(body["target_url"], "https://gcsweb.example/report/index.html");
    assert_eq!(body["description"].as_str().map(|d| d.chars().count()), Some(140));
}

impl Fixture {
    fn server_requests(&self) -> Vec<Request> {
        self._rt
            .block_on(self.server.received_requests())
            .expect("recording is on")
    }
}

#[test]
fn without_a_token_nothing_is_sent() {
    let f = Fixture::start();
    let bot = MetricsBot::new(BotOptions {
        base_url: f.server.uri(),
        ..BotOptions::default()
    })
    .expect("bot");
    assert!(bot.is_dry_run());
    assert_eq!(bot.upsert_comment(&request(HEAD, "x")).expect("dry"), Outcome::DryRun);
    let status = StatusRequest {
        repo: RepoRef::parse("octo/widgets").expect("repo"),
        sha: HEAD.to_owned(),
        job: "j".to_owned(),
        state: GateState::Success,
        description: "ok".to_owned(),
        target_url: None,
    };
    assert_eq!(bot.set_status(&status).expect("dry"), StatusOutcome::DryRun);
    assert!(f.server_requests().is_empty());
}

#[test]
fn token_sources() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("oauth");
    std::fs::write(&file, format!("{TOKEN}\n")).expect("write");
    let loaded = TokenSource {
        file: Some(file.clone()),
        env_token: None,
    }
    .load()
    .expect("load");
    assert_eq!(loaded, Some(Secret::new(TOKEN)));
    std::fs::write(&file, "  \n").expect("write");
    let err = TokenSource {
        file: Some(file),
        env_token: None,
    }
    .load()
    .expect_err("empty");
    assert!(err.to_string().contains("empty"), "{err}");
    let missing = TokenSource {
        file: Some(dir.path().join("nope")),
        env_token: None,
    }
    .load()
    .expect_err("missing file is an error, not a dry run");
    assert!(missing.to_string().contains("nope"), "{missing}");
    let unset = TokenSource::new(None, &Env::from_pairs([("PROWCOV_TEST_OTHER", "x")]));
    assert_eq!(unset.load().expect("load"), None);
    let empty = TokenSource::new(None, &Env::from_pairs([("GITHUB_TOKEN", "  ")]));
    assert_eq!(empty.load().expect("load"), None, "an empty GITHUB_TOKEN is a dry run");
    let from_env = TokenSource::new(None, &Env::from_pairs([("GITHUB_TOKEN", TOKEN)]));
    assert_eq!(from_env.load().expect("load"), Some(Secret::new(TOKEN)));
}

// ---------------------------------------------------------------------------------------------------------------
// The command line.

fn prowcov_comment_post(f: &Fixture, dir: &Path) -> Command {
    prowcov_comment_post_at(&f.server.uri(), dir)
}

/// `prowcov comment-post` of a small body against the API at `url`.
fn prowcov_comment_post_at(url: &str, dir: &Path) -> Command {
    let body = dir.join("comment.md");
    std::fs::write(&body, "## Coverage\n\n| file | old | new |\n").expect("write body");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_prowcov"));
    cmd.args([
        "comment-post",
        "--repo",
        "octo/widgets",
        "--pr",
        "7",
        "--job",
        "pull-widgets-coverage",
    ])
    .args(["--head", HEAD, "--body-file"])
    .arg(&body)
    .args(["--github-url", url])
    .env_remove("GITHUB_TOKEN")
    .env_remove("PROWCOV_GITHUB_TOKEN_FILE")
    .env_remove("PROWCOV_GITHUB_URL")
    .env_remove("PROWCOV_GITHUB_REPO");
    cmd
}

#[test]
fn cli_without_a_token_is_a_dry_run_that_says_where_the_comment_is() {
    let f = Fixture::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let out = prowcov_comment_post(&f, dir.path())
        .args(["--status", "success", "-v"])
        .output()
        .expect("run prowcov");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let path = dir.path().join("comment.md").display().to_string();
    assert!(stdout.contains("dry run") && stdout.contains(&path), "{stdout}");
    assert!(stderr.contains("dry run") && stderr.contains(&path), "{stderr}");
    assert!(f.server_requests().is_empty());
}

#[test]
fn cli_posts_then_updates_with_a_token_file_and_never_prints_the_token() {
    let f = Fixture::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let token_file = dir.path().join("oauth");
    std::fs::write(&token_file, format!("{TOKEN}\n")).expect("write token");
    let mut outputs = String::new();
    for expected in ["created comment", "updated comment"] {
        let out = prowcov_comment_post(&f, dir.path())
            .arg("--github-token-file")
            .arg(&token_file)
            .args(["--status", "failure", "--status-description", "patch 50% < 80%", "-vv"])
            .output()
            .expect("run prowcov");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{stdout}\n{stderr}");
        assert!(
            stdout.contains(expected) && stdout.contains("set status coverage/pull-widgets-coverage"),
            "{stdout}"
        );
        outputs.push_str(&stdout);
        outputs.push_str(&stderr);
    }
    assert_eq!(f.fake.state().comments.len(), 1);
    assert!(!outputs.contains(TOKEN), "the token was printed:\n{outputs}");
    // A GitHub failure: the error names the endpoint and exits 74, still without the token.
    f.fake.fault(Fault::new("GET", "/comments", 404));
    let out = prowcov_comment_post(&f, dir.path())
        .arg("--github-token-file")
        .arg(&token_file)
        .output()
        .expect("run prowcov");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(74), "{stderr}");
    assert!(
        stderr.contains("GET /repos/octo/widgets/issues/7/comments: HTTP 404"),
        "{stderr}"
    );
    assert!(!stderr.contains(TOKEN), "{stderr}");
}

/// `comment-post` against each way GitHub fails (and a closed port), with the token from a file and from the
/// environment, at every log level, the server quoting the token back: exit 74, the endpoint and status named, and
/// the token nowhere in what prowcov prints.
#[test]
fn cli_faults_exit_74_name_the_endpoint_and_never_show_the_token() {
    let f = Fixture::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let token_file = dir.path().join("oauth");
    std::fs::write(&token_file, format!("{TOKEN}\n")).expect("write token");
    let closed = format!("http://127.0.0.1:{}", free_port());
    // (fault, what the message must say); `None`: nothing listens on the port.
    let faults: Vec<(Option<Fault>, &str)> = vec![
        (Some(Fault::new("GET", "/user", 401)), "GET /user: HTTP 401"),
        (
            Some(Fault::new("POST", "/comments", 403)),
            "POST /repos/octo/widgets/issues/7/comments: HTTP 403",
        ),
        (
            Some(
                Fault::new("GET", "/user", 403)
                    .with_headers(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "4102444800")]),
            ),
            "GET /user: HTTP 403",
        ),
        (
            Some(Fault::new("GET", "/comments", 404)),
            "GET /repos/octo/widgets/issues/7/comments: HTTP 404",
        ),
        (
            Some(Fault::new("POST", "/comments", 422)),
            "POST /repos/octo/widgets/issues/7/comments: HTTP 422",
        ),
        (Some(Fault::new("GET", "/user", 500)), "GET /user: HTTP 500"),
        (None, "GET /user"),
    ];
    let levels: [(&[&str], Option<&str>); 4] = [(&[], None), (&["-v"], None), (&["-vv"], None), (&[], Some("trace"))];
    let mut failures = Vec::new();
    for (fault, says) in faults {
        let is_closed = fault.is_none();
        // A 500 and a closed port are retried (about 8 s a run): two runs each show them.
        let slow = is_closed || fault.as_ref().is_some_and(|f| f.status >= 500);
        let fault = fault.map(Fault::echoing_token);
        for by_file in [true, false] {
            for (flags, filter) in levels {
                if slow && !(by_file && flags.is_empty()) {
                    continue;
                }
                if let Some(fault) = &fault {
                    // A 500 fails every attempt, the retries included.
                    for _ in 0..if slow { 8 } else { 1 } {
                        let mut copy = Fault::new(fault.method, fault.path_suffix, fault.status).echoing_token();
                        copy.headers = fault.headers.clone();
                        f.fake.fault(copy);
                    }
                }
                let url = if is_closed { closed.clone() } else { f.server.uri() };
                let mut cmd = prowcov_comment_post_at(&url, dir.path());
                if by_file {
                    cmd.arg("--github-token-file").arg(&token_file);
                } else {
                    cmd.env("GITHUB_TOKEN", TOKEN);
                }
                cmd.args(flags);
                match filter {
                    Some(filter) => cmd.env("PROWCOV_LOG", filter),
                    None => cmd.env_remove("PROWCOV_LOG"),
                };
                let out = cmd.output().expect("run prowcov");
                let all = format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
                let case = format!(
                    "{says} (token by {}, {flags:?} {filter:?})",
                    if by_file { "file" } else { "env" }
                );
                if out.status.code() != Some(74) {
                    failures.push(format!("{case}: exit {:?}\n{all}", out.status.code()));
                }
                if !all.contains(says) {
                    failures.push(format!("{case}: the message does not say `{says}`\n{all}"));
                }
                if all.contains(TOKEN) || all.contains(&TOKEN[4..20]) {
                    failures.push(format!("{case}: the token was printed\n{all}"));
                }
            }
        }
    }
    // The server did see the token, and quoted it back: the check is not vacuous.
    assert!(f.fake.state().authorization_seen.iter().all(|a| a.contains(TOKEN)));
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n---\n")
    );
}

// ---------------------------------------------------------------------------------------------------------------
// The token never shows.

#[test]
fn the_token_never_appears_in_debug_errors_or_logs() {
    // The log: the bot runs in a child process (this test binary, filtered to one helper test) with tracing on, so
    // stderr can be captured whole.
    let exe = std::env::current_exe().expect("test exe");
    let out = Command::new(exe)
        .args([
            "--exact",
            "token_helper_runs_failing_calls",
            "--include-ignored",
            "--nocapture",
        ])
        .env("PROWCOV_TOKEN_HELPER", "1")
        .output()
        .expect("run helper");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "helper failed\n{stdout}\n{stderr}");
    assert!(stderr.contains("retrying"), "the helper logged its retries: {stderr}");
    assert!(stdout.contains("helper-debug:"), "{stdout}");
    for (what, text) in [("stdout", &stdout), ("stderr", &stderr)] {
        assert!(!text.contains(TOKEN), "the token appears in {what}:\n{text}");
        assert!(
            !text.contains(&TOKEN[4..20]),
            "part of the token appears in {what}:\n{text}"
        );
    }
}

/// Run by the test above in a child process: every failure path, with everything printed.
#[test]
#[ignore = "run by the_token_never_appears_in_debug_errors_or_logs in a child process"]
fn token_helper_runs_failing_calls() {
    if std::env::var_os("PROWCOV_TOKEN_HELPER").is_none() {
        return;
    }
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::TRACE)
        .try_init();
    let f = Fixture::start();
    for status in [401, 403, 404, 422, 502, 502, 502, 502, 502] {
        f.fake.fault(Fault::new("GET", "/user", status));
    }
    let bot = f.bot();
    println!("helper-debug: {bot:?} {:?}", Secret::new(TOKEN));
    println!(
        "helper-debug: {:?}",
        BotOptions {
            token: Some(Secret::new(TOKEN)),
            ..BotOptions::default()
        }
    );
    for _ in 0..5 {
        match bot.upsert_comment(&request(HEAD, "x")) {
            Ok(o) => println!("helper-debug: ok {o:?}"),
            Err(e) => println!("helper-debug: {e} / {e:?}"),
        }
    }
    // A server that is not there: transport errors.
    let closed = free_port();
    let err = bot_at(&format!("http://127.0.0.1:{closed}"))
        .upsert_comment(&request(HEAD, "x"))
        .expect_err("nothing listens");
    println!("helper-debug: {err} / {err:?}");
    // The token did reach the server, so the check above is not vacuous.
    assert!(f.fake.state().authorization_seen.iter().all(|a| a.contains(TOKEN)));
}

// ---------------------------------------------------------------------------------------------------------------
// The contract: Prism with GitHub's REST description.

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A Prism process on 127.0.0.1, killed on drop.
struct Prism {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Prism {
    /// `prism mock` (no upstream) or `prism proxy` in front of `upstream`, validating against the trimmed spec.
    fn start(upstream: Option<&str>) -> Prism {
        let bin = contract_dir().join("node_modules/.bin/prism");
        assert!(
            bin.exists(),
            "{} is missing: run scripts/provision (npm ci in scripts/github-contract), or scripts/test",
            bin.display()
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("prism.log");
        let port = free_port();
        let mut cmd = Command::new(&bin);
        match upstream {
            None => cmd.arg("mock"),
            Some(_) => cmd.arg("proxy"),
        };
        cmd.args(["-h", "127.0.0.1", "-p", &port.to_string(), "--errors", "-v", "warn"])
            .arg(contract_dir().join("github-contract.json"));
        if let Some(up) = upstream {
            cmd.arg(up);
        }
        let log_file = std::fs::File::create(&log).expect("log file");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("dup"))
            .stderr(log_file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e} (is node installed?)", bin.display()));
        let mut prism = Prism {
            child,
            port,
            log,
            _dir: dir,
        };
        prism.wait_ready();
        prism
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(90);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("prism exited with {status}:\n{}", self.log_text());
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("prism did not listen within 90 s:\n{}", self.log_text());
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One raw HTTP/1.1 exchange (for requests the bot would never make); returns the head and the body.
fn raw_http(port: u16, request: &str) -> (String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (head.to_owned(), body.to_owned())
}

#[test]
#[ignore = "needs Prism (scripts/test provides it)"]
fn contract_the_bots_calls_match_githubs_rest_description() {
    let prism = Prism::start(None);
    let bot = bot_at(&prism.url());
    // GET /user, list (the example comment is not ours), create: each 2xx and deserialised.
    let outcome = bot
        .upsert_comment(&request(HEAD, "coverage"))
        .expect("create against Prism");
    assert_eq!(
        outcome,
        Outcome::Created(1),
        "the description's example comment has id 1"
    );
    let status = bot
        .set_status(&StatusRequest {
            repo: RepoRef::parse("octo/widgets").expect("repo"),
            sha: HEAD.to_owned(),
            job: "pull-widgets-coverage".to_owned(),
            state: GateState::Success,
            description: "lines 85.1% (+0.3), patch 92.0%".to_owned(),
            target_url: Some("https://gcsweb.example/index.html".to_owned()),
        })
        .expect("status against Prism");
    assert_eq!(status, StatusOutcome::Set);

    // Negative: a malformed create is refused with the violation named.
    let body = r#"{"text":"not the field GitHub wants"}"#;
    let (head, _) = raw_http(
        prism.port,
        &format!(
            "POST /repos/o/r/issues/5/comments HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: token x\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(head.starts_with("HTTP/1.1 422"), "{head}");
    let violations = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("sl-violations:"))
        .unwrap_or_else(|| panic!("no sl-violations header: {head}"));
    assert!(violations.contains("required property 'body'"), "{violations}");
    // The bot never deletes: the trimmed description has no DELETE, so Prism refuses it.
    let (head, _) = raw_http(
        prism.port,
        "DELETE /repos/o/r/issues/comments/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: token x\r\n\
         Connection: close\r\n\r\n",
    );
    assert!(head.starts_with("HTTP/1.1 405"), "{head}");
    // Without credentials: 401 (the auth scheme the trimming script adds).
    let (head, _) = raw_http(
        prism.port,
        "GET /user HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    );
    assert!(head.starts_with("HTTP/1.1 401"), "{head}");
}

#[test]
#[ignore = "needs Prism (scripts/test provides it)"]
fn contract_a_full_flow_through_prism_proxy_is_valid_both_ways() {
    // Prism checks each request against the description (422, not forwarded, when invalid) and, with --errors, the
    // fake's answers too; the fake records what arrived.
    let f = Fixture::start();
    let prism = Prism::start(Some(&f.server.uri()));
    let bot = bot_at(&prism.url());
    let Outcome::Created(id) = bot.upsert_comment(&request(HEAD, "run 1")).expect("create") else {
        panic!("expected a create");
    };
    assert_eq!(
        bot.upsert_comment(&request(HEAD, "run 2")).expect("edit"),
        Outcome::Updated(id)
    );
    // A newer head moves the PR; the old run's comment is now stale: GET the pull.
    f.fake.state().pr_head = NEWER.to_owned();
    assert_eq!(
        bot.upsert_comment(&request(NEWER, "run 3"))
            .expect("edit for a new head"),
        Outcome::Updated(id)
    );
    assert_eq!(
        bot.upsert_comment(&request(HEAD, "late old run")).expect("stale"),
        Outcome::SkippedStale {
            newer_head: NEWER.to_owned()
        }
    );
    let status = StatusRequest {
        repo: RepoRef::parse("octo/widgets").expect("repo"),
        sha: NEWER.to_owned(),
        job: "pull-widgets-coverage".to_owned(),
        state: GateState::Success,
        description: "ok".to_owned(),
        target_url: Some("https://gcsweb.example/index.html".to_owned()),
    };
    assert_eq!(bot.set_status(&status).expect("status"), StatusOutcome::Set);
    let requests = f.fake.requests();
    for expected in [
        "GET /user",
        "POST /repos/octo/widgets/issues/7/comments",
        "PATCH /repos/octo/widgets/issues/comments/",
    ] {
        assert!(
            requests.iter().any(|r| r.starts_with(expected)),
            "{expected} missing: {requests:?}"
        );
    }
    assert!(
        requests
            .iter()
            .any(|r| r.starts_with("GET /repos/octo/widgets/pulls/7")),
        "{requests:?}"
    );
    assert_eq!(f.fake.state().comments.len(), 1);
    assert!(!prism.log_text().contains(TOKEN), "prism logged the token");
}
