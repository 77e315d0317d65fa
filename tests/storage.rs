//! Baselines in object storage: the same scenarios against the local folder, fake-gcs-server (GCS) and moto (S3),
//! on real git histories; retries against a 503-then-200 stub; request counts with 10,000 earlier builds.
//!
//! The emulator tests are ignored (with a reason) for a bare `cargo test` and fail, never skip, when an emulator is missing:
//! run them with `PROWCOV_TEST_PYTHON=<venv>/bin/python PATH=<venv>/bin:$PATH cargo test --test storage --
//! --include-ignored` after `scripts/provision`.

mod common;

use common::emulators::{Server, fake_gcs, http, venv_bin};

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use prowcov::analysis::changes::GitRepo;
use prowcov::env::Env;
use prowcov::error::Error;
use prowcov::model::{Coverage, FileCoverage};
use prowcov::storage::{
    self, BuildRef, FailedTests, Lookup, Match, PutStep, Query, Record, RetryPolicy, S3Keys, Store, StoreOptions,
};

const BUCKET: &str = "cov-baselines";
const JOB: &str = "post-repo-coverage";

// ---------------------------------------------------------------------------------------------------------------
// Backends and emulators

/// One storage backend under test.
enum Backend {
    Local(tempfile::TempDir),
    Gcs { server: Server, _data: tempfile::TempDir },
    S3(Server),
}

impl Backend {
    fn local() -> Backend {
        Backend::Local(tempfile::tempdir().expect("tempdir"))
    }

    fn gcs() -> Backend {
        let (server, data) = fake_gcs(BUCKET);
        Backend::Gcs { server, _data: data }
    }

    fn s3() -> Backend {
        let moto = venv_bin().join("moto_server");
        assert!(moto.exists(), "{} is missing: run scripts/provision", moto.display());
        let server = Server::start(
            Box::new(move |port| {
                Command::new(&moto)
                    .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap_or_else(|e| panic!("cannot start {}: {e}", moto.display()))
            }),
            "/moto-api/",
        );
        create_s3_bucket(server.port);
        Backend::S3(server)
    }

    fn url(&self) -> String {
        match self {
            Backend::Local(dir) => dir.path().join("store").display().to_string(),
            Backend::Gcs { .. } => format!("gs://{BUCKET}/prow"),
            Backend::S3(_) => format!("s3://{BUCKET}/prow"),
        }
    }

    fn options(&self) -> StoreOptions {
        let mut options = StoreOptions {
            retry: RetryPolicy {
                max_retries: 1,
                initial_backoff: Duration::from_millis(10),
                total: Duration::from_secs(2),
                ..RetryPolicy::STORAGE
            },
            ..StoreOptions::default()
        };
        match self {
            Backend::Local(_) => {}
            Backend::Gcs { server, .. } => options.gcs_endpoint = Some(server.endpoint()),
            Backend::S3(server) => {
                options.s3_endpoint = Some(server.endpoint());
                options.s3_keys = Some(S3Keys {
                    access_key_id: "testing".into(),
                    secret_access_key: "testing".into(),
                });
            }
        }
        options
    }

    fn store(&self) -> Store {
        Store::open(&self.url(), &self.options()).unwrap_or_else(|e| panic!("open {}: {e}", self.url()))
    }

    /// Environment for the CLI to reach this backend.
    fn cli_env(&self) -> Vec<(&'static str, String)> {
        match self {
            Backend::Local(_) => vec![],
            Backend::Gcs { server, .. } => vec![("PROWCOV_GCS_ENDPOINT", server.endpoint())],
            Backend::S3(server) => vec![
                ("PROWCOV_S3_ENDPOINT", server.endpoint()),
                ("AWS_ACCESS_KEY_ID", "testing".into()),
                ("AWS_SECRET_ACCESS_KEY", "testing".into()),
                ("AWS_REGION", "us-east-1".into()),
            ],
        }
    }

    /// Stops the storage as a crash would: the emulator is killed; the local folder cannot be, so the caller's hook
    /// fails the upload instead.
    fn stop(&mut self) -> bool {
        match self {
            Backend::Local(_) => false,
            Backend::Gcs { server, .. } | Backend::S3(server) => {
                server.stop();
                true
            }
        }
    }

    /// Starts a stopped emulator again; whether the objects written before survived.
    fn restart(&mut self) -> bool {
        match self {
            Backend::Local(_) => true,
            Backend::Gcs { server, .. } => {
                server.restart();
                true
            }
            // moto keeps objects in memory only.
            Backend::S3(server) => {
                server.restart();
                create_s3_bucket(server.port);
                false
            }
        }
    }
}

fn create_s3_bucket(port: u16) {
    let status = http(port, "PUT", &format!("/{BUCKET}"), b"");
    assert_eq!(status, Some(200), "create the S3 bucket on moto");
}

// ---------------------------------------------------------------------------------------------------------------
// Histories and baselines

/// A git repository with `n` first-parent commits; their SHAs, oldest first.
struct History {
    dir: tempfile::TempDir,
    shas: Vec<String>,
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = common::run_ok(
        Command::new("git")
            .current_dir(dir)
            .args(args)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", dir),
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn history(n: usize) -> History {
    let dir = tempfile::tempdir().expect("tempdir");
    git(dir.path(), &["init", "-q", "-b", "main"]);
    let mut shas = Vec::new();
    for i in 0..n {
        std::fs::write(dir.path().join("f.txt"), format!("{i}\n")).expect("write");
        git(dir.path(), &["add", "f.txt"]);
        git(dir.path(), &["commit", "-q", "-m", &format!("commit {i}")]);
        shas.push(git(dir.path(), &["rev-parse", "HEAD"]));
    }
    History { dir, shas }
}

/// A small coverage whose numbers identify it.
fn coverage(tag: u32) -> Coverage {
    let mut file = FileCoverage::default();
    file.lines.insert(1, 1);
    file.lines.insert(2, u64::from(tag));
    file.lines.insert(3, 0);
    Coverage {
        files: [(format!("pkg/file{tag}.py"), file)].into(),
    }
}

fn record(build_id: &str, sha: &str, tests_exit_status: i32) -> Record {
    Record {
        build: BuildRef {
            job: JOB.into(),
            build_id: build_id.into(),
        },
        repo: Some("org/repo".into()),
        branch: "main".into(),
        sha: sha.into(),
        time: 1_700_000_000,
        tests_exit_status,
    }
}

fn put(store: &Store, build_id: &str, sha: &str, tag: u32) {
    storage::put(store, &record(build_id, sha, 0), &coverage(tag)).expect("put");
}

/// A query and the repository whose history `find` walks.
struct TestQuery {
    query: Query,
    repo: Option<PathBuf>,
}

impl std::ops::Deref for TestQuery {
    type Target = Query;
    fn deref(&self) -> &Query {
        &self.query
    }
}

impl std::ops::DerefMut for TestQuery {
    fn deref_mut(&mut self) -> &mut Query {
        &mut self.query
    }
}

fn query(sha: &str, repo: Option<&Path>) -> TestQuery {
    TestQuery {
        query: Query {
            job: JOB.into(),
            branch: "main".into(),
            sha: sha.into(),
            max_walk: 10,
            max_builds: 10,
            failed_tests: FailedTests::Skip,
        },
        repo: repo.map(Path::to_path_buf),
    }
}

fn find(store: &Store, q: &TestQuery) -> prowcov::error::Result<Lookup> {
    let repo = q
        .repo
        .as_deref()
        .map(|dir| GitRepo::open(dir, &Env::default()).expect("open the test repository"));
    storage::find(store, &q.query, repo.as_ref())
}

fn found_build(lookup: &Lookup) -> Option<(&str, Match, Option<usize>)> {
    lookup
        .found
        .as_ref()
        .map(|f| (f.build.build_id.as_str(), f.matched, f.commits_behind))
}

// ---------------------------------------------------------------------------------------------------------------
// Scenarios, each run against every backend

fn exact_base_hit(backend: &mut Backend) {
    let h = history(3);
    let store = backend.store();
    put(&store, "100", &h.shas[1], 1);
    put(&store, "101", &h.shas[2], 2);
    let lookup = find(&store, &query(&h.shas[2], Some(h.dir.path()))).expect("find");
    assert_eq!(found_build(&lookup), Some(("101", Match::Exact, Some(0))));
    let found = lookup.found.expect("found");
    assert_eq!(found.coverage, coverage(2), "the profile reads back exactly");
    assert_eq!(found.metadata.sha, h.shas[2]);
    assert!(lookup.skipped.is_empty(), "{:?}", lookup.skipped);
}

fn ancestor_three_commits_back(backend: &mut Backend) {
    let h = history(6);
    let store = backend.store();
    put(&store, "100", &h.shas[1], 1);
    put(&store, "101", &h.shas[2], 2);
    let lookup = find(&store, &query(&h.shas[5], Some(h.dir.path()))).expect("find");
    assert_eq!(found_build(&lookup), Some(("101", Match::Ancestor, Some(3))));
    // A walk shorter than the distance falls back to the newest complete build.
    let mut short = query(&h.shas[5], Some(h.dir.path()));
    short.max_walk = 2;
    let lookup = find(&store, &short).expect("find");
    assert_eq!(found_build(&lookup), Some(("101", Match::Newest, Some(3))));
}

fn newer_build_without_marker_is_skipped(backend: &mut Backend) {
    let h = history(3);
    let store = backend.store();
    put(&store, "100", &h.shas[0], 1);
    // Build 200 stops after its metadata: no marker, no index entry; Prow's latest-build.txt names it.
    let err = storage::put_with_hook(&store, &record("200", &h.shas[1], 0), &coverage(2), &mut |step| {
        if step == PutStep::Metadata {
            Err(Error::Data("killed".into()))
        } else {
            Ok(())
        }
    });
    assert!(err.is_err());
    store
        .put(&format!("logs/{JOB}/latest-build.txt"), b"200".to_vec())
        .expect("latest-build.txt");

    let lookup = find(&store, &query(&h.shas[2], None)).expect("find");
    assert_eq!(found_build(&lookup), Some(("100", Match::Newest, None)));
    let marker = format!("{}/logs/{JOB}/200/artifacts/prowcov/complete", store.url());
    assert!(
        lookup
            .skipped
            .iter()
            .any(|s| s.object == marker && s.reason.contains("no completion marker")),
        "{:?}",
        lookup.skipped
    );
    // Through the history: the incomplete build has no index entry, the ancestor two commits back is used.
    let lookup = find(&store, &query(&h.shas[2], Some(h.dir.path()))).expect("find");
    assert_eq!(found_build(&lookup), Some(("100", Match::Ancestor, Some(2))));
}

fn failed_tests_both_policies(backend: &mut Backend) {
    let h = history(2);
    let store = backend.store();
    put(&store, "100", &h.shas[0], 1);
    storage::put(&store, &record("200", &h.shas[1], 1), &coverage(2)).expect("put");

    let lookup = find(&store, &query(&h.shas[1], Some(h.dir.path()))).expect("find");
    assert_eq!(found_build(&lookup), Some(("100", Match::Ancestor, Some(1))));
    assert!(
        lookup.skipped[0].reason.contains("the tests failed (exit status 1)"),
        "{:?}",
        lookup.skipped
    );

    let mut use_failed = query(&h.shas[1], Some(h.dir.path()));
    use_failed.failed_tests = FailedTests::Use;
    let lookup = find(&store, &use_failed).expect("find");
    assert_eq!(found_build(&lookup), Some(("200", Match::Exact, Some(0))));
    assert_eq!(lookup.found.expect("found").metadata.tests_exit_status, 1);
}

fn corrupt_profile_is_skipped(backend: &mut Backend) {
    let h = history(2);
    let store = backend.store();
    put(&store, "100", &h.shas[0], 1);
    put(&store, "200", &h.shas[1], 2);
    let profile = format!("logs/{JOB}/200/artifacts/prowcov/profile.json");
    store
        .put(&profile, b"{\"schema\": 1, \"files\": [".to_vec())
        .expect("corrupt it");

    let lookup = find(&store, &query(&h.shas[1], Some(h.dir.path()))).expect("find");
    assert_eq!(found_build(&lookup), Some(("100", Match::Ancestor, Some(1))));
    assert_eq!(lookup.skipped.len(), 1, "{:?}", lookup.skipped);
    assert_eq!(lookup.skipped[0].object, store.url_of(&profile));
    assert!(lookup.skipped[0].reason.contains("does not match the digest"));
}

fn no_baseline_at_all(backend: &mut Backend) {
    let h = history(2);
    let store = backend.store();
    let lookup = find(&store, &query(&h.shas[1], Some(h.dir.path()))).expect("find is not an error");
    assert!(lookup.found.is_none());
    assert!(lookup.skipped.is_empty());
    assert!(storage::list(&store, JOB).expect("list").is_empty());
}

fn stopped_in_the_middle_of_an_upload(backend: &mut Backend) {
    let h = history(2);
    let store = backend.store();
    put(&store, "100", &h.shas[0], 1);
    store
        .put(&format!("logs/{JOB}/latest-build.txt"), b"200".to_vec())
        .expect("latest-build.txt");
    let mut killed = false;
    let result = storage::put_with_hook(&store, &record("200", &h.shas[1], 0), &coverage(2), &mut |step| {
        if step == PutStep::Profile {
            killed = backend.stop();
            if !killed {
                return Err(Error::Data("the post-submit was killed".into()));
            }
        }
        Ok(())
    });
    let err = result.expect_err("the upload cannot finish");
    if killed {
        let metadata = store.url_of(&format!("logs/{JOB}/200/artifacts/prowcov/metadata.json"));
        assert!(
            err.to_string().starts_with(&metadata),
            "the error names the object: {err}"
        );
    }
    let kept = backend.restart();
    let store = backend.store();
    for max_walk in [0, 10] {
        let mut q = query(&h.shas[1], Some(h.dir.path()));
        q.max_walk = max_walk;
        let lookup = find(&store, &q).expect("find");
        let used = found_build(&lookup).map(|(id, ..)| id);
        assert_ne!(used, Some("200"), "the partial upload is never used");
        if kept {
            assert_eq!(used, Some("100"));
        }
    }
}

fn cli_round_trip(backend: &mut Backend) {
    let h = history(3);
    let dir = tempfile::tempdir().expect("tempdir");
    let lcov = dir.path().join("lcov.info");
    std::fs::write(&lcov, "SF:a.py\nDA:1,1\nDA:2,0\nend_of_record\n").expect("write lcov");
    let url = backend.url();
    let env = backend.cli_env();
    let run = |args: &[&str]| {
        let mut cmd = common::prowcov();
        cmd.current_dir(dir.path())
            .env_remove("PULL_BASE_SHA")
            .env_remove("PULL_BASE_REF");
        cmd.args(args).args(["--storage", &url, "--job", JOB]);
        for (k, v) in &env {
            cmd.env(k, v);
        }
        common::stdout_ok(&mut cmd)
    };
    let lcov_arg = lcov.display().to_string();
    run(&[
        "baseline",
        "put",
        "--build-id",
        "7",
        "--sha",
        &h.shas[0],
        "--branch",
        "main",
        "--time",
        "1",
        &lcov_arg,
    ]);
    let repo = h.dir.path().display().to_string();
    let json = run(&[
        "baseline", "find", "--sha", &h.shas[2], "--branch", "main", "--repo", &repo, "--format", "json",
    ]);
    assert!(json.starts_with("{\n  \"schema\": 1,"), "{json}");
    let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(value["found"], true);
    assert_eq!(value["build_id"], "7");
    assert_eq!(value["match"], "ancestor");
    assert_eq!(value["commits_behind"], 2);
    assert_eq!(value["percent"], 50.0);
    let text = run(&[
        "baseline", "find", "--sha", &h.shas[2], "--branch", "main", "--repo", &repo,
    ]);
    assert!(
        text.starts_with(&format!(
            "baseline: build 7 of {JOB} at commit {} (2 commits behind the base)",
            h.shas[0]
        )),
        "{text}"
    );
    let listed = run(&["baseline", "list"]);
    assert_eq!(listed, format!("7\tcomplete\t{}\t0\t50.00%\n", h.shas[0]));
    let none = run(&[
        "baseline", "find", "--sha", "abcdef1", "--branch", "dev", "--repo", &repo,
    ]);
    assert!(none.starts_with("no baseline exists yet for abcdef1"), "{none}");
    assert!(
        none.contains("recorded for branch main, but the base is on dev"),
        "{none}"
    );
}

macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {
        mod local {
            $( #[test] fn $name() { super::$name(&mut super::Backend::local()); } )*
        }
        mod gcs {
            $( #[test] #[ignore = "needs the storage emulators (scripts/test provides them)"]
               fn $name() { super::$name(&mut super::Backend::gcs()); } )*
        }
        mod s3 {
            $( #[test] #[ignore = "needs the storage emulators (scripts/test provides them)"]
               fn $name() { super::$name(&mut super::Backend::s3()); } )*
        }
    };
}

scenarios!(
    exact_base_hit,
    ancestor_three_commits_back,
    newer_build_without_marker_is_skipped,
    failed_tests_both_policies,
    corrupt_profile_is_skipped,
    no_baseline_at_all,
    stopped_in_the_middle_of_an_upload,
    cli_round_trip,
);

// ---------------------------------------------------------------------------------------------------------------
// Retries and request counts

/// An HTTP stub on 127.0.0.1 that answers the first `failures` requests with 503 and the rest with 200 and `body`.
struct Stub {
    port: u16,
    requests: Arc<AtomicUsize>,
}

fn stub(failures: usize, body: &'static [u8]) -> Stub {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let requests = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&requests);
    // The thread ends with the test process; it only ever serves this test's client.
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let n = seen.fetch_add(1, Ordering::SeqCst);
            let mut buf = vec![0u8; 1 << 16];
            let mut got = Vec::new();
            // Read the head and a body of Content-Length bytes.
            while let Ok(k) = stream.read(&mut buf) {
                if k == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..k]);
                let text = String::from_utf8_lossy(&got);
                if let Some(end) = text.find("\r\n\r\n") {
                    let len = text[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().to_string())
                        })
                        .and_then(|v| v.parse::<usize>().ok())
                        .unwrap_or(0);
                    if got.len() >= end + 4 + len {
                        break;
                    }
                }
            }
            let (status, payload): (&str, &[u8]) = if n < failures {
                ("503 Service Unavailable", b"try later")
            } else {
                ("200 OK", body)
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\n\
                 Last-Modified: Tue, 14 Nov 2023 22:13:20 GMT\r\nETag: \"1\"\r\nConnection: close\r\n\r\n",
                payload.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(payload);
        }
    });
    Stub { port, requests }
}

fn stub_options(stub: &Stub) -> StoreOptions {
    StoreOptions {
        gcs_endpoint: Some(format!("http://127.0.0.1:{}", stub.port)),
        s3_endpoint: Some(format!("http://127.0.0.1:{}", stub.port)),
        s3_keys: Some(S3Keys {
            access_key_id: "testing".into(),
            secret_access_key: "testing".into(),
        }),
        retry: RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_millis(10),
            total: Duration::from_secs(5),
            ..RetryPolicy::STORAGE
        },
        ..StoreOptions::default()
    }
}

#[test]
fn a_503_is_retried_and_the_read_succeeds() {
    for url in ["gs://bucket/p", "s3://bucket/p"] {
        let stub = stub(1, b"hello");
        let store = Store::open(url, &stub_options(&stub)).expect("open");
        assert_eq!(
            store.get("k").expect("get after a retry"),
            Some(b"hello".to_vec()),
            "{url}"
        );
        assert_eq!(stub.requests.load(Ordering::SeqCst), 2, "{url}: one 503, one success");
        assert_eq!(store.requests(), 1, "retries are not counted as requests");
    }
}

#[test]
fn a_503_is_retried_and_the_gcs_upload_succeeds() {
    let stub = stub(1, b"{}");
    let store = Store::open("gs://bucket/p", &stub_options(&stub)).expect("open");
    store.put("k", b"v".to_vec()).expect("put after a retry");
    assert_eq!(stub.requests.load(Ordering::SeqCst), 2);
}

#[test]
fn storage_that_stays_down_fails_within_the_bounded_time_naming_the_object() {
    for url in ["gs://bucket/p", "s3://bucket/p"] {
        let stub = stub(usize::MAX, b"");
        let started = Instant::now();
        let store = Store::open(url, &stub_options(&stub)).expect("open");
        let err = store.get("logs/j/1/artifacts/prowcov/complete").expect_err("down");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "bounded: {:?}",
            started.elapsed()
        );
        assert_eq!(
            stub.requests.load(Ordering::SeqCst),
            4,
            "{url}: the first try and 3 retries"
        );
        let message = err.to_string();
        assert!(
            message.starts_with(&format!("{url}/logs/j/1/artifacts/prowcov/complete: cannot read")),
            "{message}"
        );
        assert_eq!(err.exit_code(), 74);
    }
}

#[test]
fn finding_a_baseline_among_10000_builds_takes_4_reads_with_the_index() {
    let store =
        Store::from_object_store(Arc::new(object_store::memory::InMemory::new()), "memory://cov").expect("store");
    let sha = |i: u32| format!("{i:040x}");
    for i in 0..10_000u32 {
        put(&store, &(1_000_000 + i).to_string(), &sha(i), i % 7);
    }
    let before = store.requests();
    let lookup = find(&store, &query(&sha(4_321), None)).expect("find");
    let reads = store.requests() - before;
    assert_eq!(found_build(&lookup), Some(("1004321", Match::Exact, Some(0))));
    // The index entry, the marker, the metadata and the profile.
    assert_eq!(reads, 4);
    eprintln!("requests to find the baseline among 10,000 builds: {reads}");
}
