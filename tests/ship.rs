//! What a platform team copies: the Prow job configs (`prow/`), the TestGrid config (`testgrid/`) and the container
//! image (`Dockerfile`).
//!
//! The config checks are plain tests: every YAML file parses; every job's container command parses with prowcov's
//! own argument parser; the variables and files a job hands prowcov are ones it reads, mounted from secrets; the
//! pre-submit's baseline job is a post-submit defined in `prow/`; TestGrid's test groups read the logs of jobs defined
//! there, with the metric `prowcov junit` writes. The container test (`scripts/container-test`: the image built with
//! podman and run in the three Prow modes against the storage and GitHub emulators) needs podman and is ignored for a
//! bare `cargo test`; `scripts/test` runs it.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use clap::Parser;
use prowcov::cli::Cli;
use serde::Deserialize;

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The YAML files of a folder of the repository, sorted.
fn yaml_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo_root().join(dir))
        .unwrap_or_else(|e| panic!("{dir}/: {e}"))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no YAML files in {dir}/");
    files
}

fn parse_yaml<T: for<'de> Deserialize<'de>>(path: &Path) -> T {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------------------------------
// Prow's job config: the fields the checks read (Prow's own schema has many more; unknown ones are ignored here).

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct JobConfig {
    presubmits: BTreeMap<String, Vec<Job>>,
    postsubmits: BTreeMap<String, Vec<Job>>,
    periodics: Vec<Job>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Job {
    name: String,
    decorate: Option<bool>,
    max_concurrency: Option<u32>,
    annotations: BTreeMap<String, String>,
    extra_refs: Vec<ExtraRef>,
    spec: PodSpec,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ExtraRef {
    org: String,
    repo: String,
    base_ref: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PodSpec {
    containers: Vec<Container>,
    volumes: Vec<Volume>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Container {
    image: String,
    command: Vec<String>,
    args: Vec<String>,
    env: Vec<EnvVar>,
    volume_mounts: Vec<VolumeMount>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EnvVar {
    name: String,
    value: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct VolumeMount {
    name: String,
    mount_path: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Volume {
    name: String,
    secret: Option<SecretSource>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct SecretSource {
    secret_name: String,
}

/// The kind of a job, as Prow's JOB_TYPE names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Presubmit,
    Postsubmit,
    Periodic,
}

/// Every job of every file in `prow/`, with its kind, its repository (`org/repo`; a periodic's first extra ref) and
/// its file.
fn prow_jobs() -> Vec<(Kind, String, Job, PathBuf)> {
    let mut jobs = Vec::new();
    for path in yaml_files("prow") {
        let config: JobConfig = parse_yaml(&path);
        for (kind, by_repo) in [
            (Kind::Presubmit, config.presubmits),
            (Kind::Postsubmit, config.postsubmits),
        ] {
            for (repo, list) in by_repo {
                jobs.extend(list.into_iter().map(|j| (kind, repo.clone(), j, path.clone())));
            }
        }
        for job in config.periodics {
            let repo = job
                .extra_refs
                .first()
                .map(|r| format!("{}/{}", r.org, r.repo))
                .unwrap_or_default();
            jobs.push((Kind::Periodic, repo, job, path.clone()));
        }
    }
    assert!(!jobs.is_empty(), "prow/ defines no jobs");
    jobs
}

/// The variables prowcov reads (its configuration layer) and the one the platform reads for it (GCS credentials).
fn known_env_vars() -> BTreeSet<&'static str> {
    let mut known: BTreeSet<&str> = prowcov::config::ENV_VARS.iter().map(|(name, _)| *name).collect();
    known.insert("GOOGLE_APPLICATION_CREDENTIALS");
    known
}

/// The value of `--flag VALUE` or `--flag=VALUE` in `args`.
fn flag_value<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    let prefix = format!("{flag}=");
    args.iter().enumerate().find_map(|(i, a)| {
        if let Some(v) = a.strip_prefix(&prefix) {
            Some(v)
        } else if a == flag {
            args.get(i + 1).map(String::as_str)
        } else {
            None
        }
    })
}

#[test]
fn every_yaml_file_in_prow_and_testgrid_parses() {
    for dir in ["prow", "testgrid"] {
        for path in yaml_files(dir) {
            let _: serde_json::Value = parse_yaml(&path);
        }
    }
}

#[test]
fn every_job_is_decorated_and_runs_prowcov_run_with_arguments_prowcov_accepts() {
    let mut kinds = BTreeSet::new();
    for (kind, _, job, path) in prow_jobs() {
        let at = format!("{}: job {}", path.display(), job.name);
        kinds.insert(format!("{kind:?}"));
        // Decoration clones the repository, sets Prow's variables and uploads $ARTIFACTS; prowcov needs all three.
        assert_eq!(job.decorate, Some(true), "{at}: needs decorate: true");
        assert_eq!(job.spec.containers.len(), 1, "{at}: expected one container");
        let container = &job.spec.containers[0];
        assert!(
            container.image.contains("/prowcov:"),
            "{at}: image {:?} is not prowcov's",
            container.image
        );
        // With decoration the image's ENTRYPOINT is replaced by Prow's wrapper: the command must be spelled out.
        assert_eq!(container.command, ["prowcov"], "{at}: command");
        let argv: Vec<&str> = container
            .command
            .iter()
            .chain(&container.args)
            .map(String::as_str)
            .collect();
        if let Err(e) = Cli::try_parse_from(&argv) {
            panic!("{at}: `{}` does not parse:\n{e}", argv.join(" "));
        }
        assert_eq!(argv.get(1), Some(&"run"), "{at}: the job runs `prowcov run`");
        if kind == Kind::Periodic {
            // The history in storage is rewritten without a precondition (docs/run.md).
            assert_eq!(
                job.max_concurrency,
                Some(1),
                "{at}: a periodic needs max_concurrency: 1"
            );
        }
        // The mode comes from JOB_TYPE: a fixed --mode presubmit would fail when Tide runs the job as a batch.
        assert!(
            flag_value(&container.args, "--mode").is_none(),
            "{at}: leave --mode to JOB_TYPE"
        );
    }
    assert_eq!(kinds.len(), 3, "prow/ should define all three kinds of job: {kinds:?}");
}

#[test]
fn jobs_set_only_variables_prowcov_reads_and_mount_secrets_as_files() {
    let known = known_env_vars();
    for (kind, _, job, path) in prow_jobs() {
        let at = format!("{}: job {}", path.display(), job.name);
        let container = &job.spec.containers[0];
        let volumes: BTreeMap<&str, &Volume> = job.spec.volumes.iter().map(|v| (v.name.as_str(), v)).collect();
        for mount in &container.volume_mounts {
            let volume = volumes
                .get(mount.name.as_str())
                .unwrap_or_else(|| panic!("{at}: volumeMount {} has no volume", mount.name));
            assert!(
                volume.secret.as_ref().is_some_and(|s| !s.secret_name.is_empty()),
                "{at}: volume {} should be a secret",
                mount.name
            );
        }
        // Every file a job names (token, service account) lies in a mounted secret.
        let mounted = |file: &str| {
            container
                .volume_mounts
                .iter()
                .any(|m| Path::new(file).starts_with(&m.mount_path))
        };
        let env: BTreeMap<&str, &str> = container
            .env
            .iter()
            .map(|e| (e.name.as_str(), e.value.as_deref().unwrap_or_default()))
            .collect();
        for (name, value) in &env {
            // Prow sets its own variables for each run; a job that sets one would hide the real value.
            assert!(
                !prowcov::prow::VARIABLES.contains(name),
                "{at}: {name} is Prow's to set"
            );
            assert!(
                known.contains(name),
                "{at}: prowcov does not read {name}; known: {known:?}"
            );
            if name.ends_with("_FILE") || *name == "GOOGLE_APPLICATION_CREDENTIALS" {
                assert!(mounted(value), "{at}: {name}={value} is not in a mounted secret");
            }
        }
        if let Some(file) = flag_value(&container.args, "--github-token-file") {
            assert!(
                mounted(file),
                "{at}: --github-token-file {file} is not in a mounted secret"
            );
        }
        assert!(
            env.get("PROWCOV_STORAGE").is_some_and(|v| v.starts_with("gs://")),
            "{at}: PROWCOV_STORAGE should name the bucket (gs://...)"
        );
        assert!(
            env.contains_key("GOOGLE_APPLICATION_CREDENTIALS"),
            "{at}: needs GCS credentials"
        );
        // Only the pre-submit posts; the token goes no further than it must.
        let has_token = env.contains_key("PROWCOV_GITHUB_TOKEN_FILE")
            || flag_value(&container.args, "--github-token-file").is_some();
        assert_eq!(
            has_token,
            kind == Kind::Presubmit,
            "{at}: the bot's token belongs to the pre-submit only"
        );
    }
}

#[test]
fn the_presubmit_compares_with_a_postsubmit_defined_in_prow() {
    let jobs = prow_jobs();
    let postsubmits: BTreeSet<(&str, &str)> = jobs
        .iter()
        .filter(|(kind, ..)| *kind == Kind::Postsubmit)
        .map(|(_, repo, job, _)| (repo.as_str(), job.name.as_str()))
        .collect();
    let mut presubmits = 0;
    for (_, repo, job, path) in jobs.iter().filter(|(kind, ..)| *kind == Kind::Presubmit) {
        presubmits += 1;
        let container = &job.spec.containers[0];
        let from_env = container
            .env
            .iter()
            .find(|e| e.name == "PROWCOV_BASELINE_JOB")
            .and_then(|e| e.value.as_deref());
        let baseline_job = flag_value(&container.args, "--postsubmit-job")
            .or(from_env)
            .unwrap_or_else(|| {
                panic!(
                    "{}: pre-submit {} names no post-submit (PROWCOV_BASELINE_JOB or --postsubmit-job)",
                    path.display(),
                    job.name
                )
            });
        assert!(
            postsubmits.contains(&(repo.as_str(), baseline_job)),
            "{}: pre-submit {} compares with {baseline_job}, which is no post-submit of {repo} in prow/: {postsubmits:?}",
            path.display(),
            job.name
        );
    }
    assert!(presubmits > 0, "prow/ defines no pre-submit");
}

#[test]
fn testgrid_annotations_use_the_metric_prowcov_writes() {
    let metric = junit_metric();
    for (_, _, job, path) in prow_jobs() {
        for key in ["testgrid-in-cell-metric", "testgrid-short-text-metric"] {
            if let Some(value) = job.annotations.get(key) {
                assert_eq!(value, &metric, "{}: job {}: {key}", path.display(), job.name);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// TestGrid's config: the fields the checks read.

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TestGridConfig {
    test_groups: Vec<TestGroup>,
    dashboards: Vec<Dashboard>,
    dashboard_groups: Vec<DashboardGroup>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TestGroup {
    name: String,
    gcs_prefix: String,
    short_text_metric: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Dashboard {
    name: String,
    dashboard_tab: Vec<DashboardTab>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DashboardTab {
    name: String,
    test_group_name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DashboardGroup {
    dashboard_names: Vec<String>,
}

/// The name of the property `prowcov junit` gives each case: the metric TestGrid must show.
fn junit_metric() -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("junit_coverage.xml");
    let demo = repo_root().join("examples/demo");
    common::run_ok(
        common::prowcov()
            .arg("junit")
            .arg("--root")
            .arg(&demo)
            .arg("-o")
            .arg(&out)
            .arg(demo.join("coverage/go.cover")),
    );
    let xml = std::fs::read_to_string(&out).expect("junit output");
    let at = xml.find("<property name=\"").expect("a property in prowcov's JUnit") + "<property name=\"".len();
    let name = &xml[at..];
    name[..name.find('"').expect("closing quote")].to_owned()
}

#[test]
fn testgrid_groups_read_the_logs_of_prow_jobs_and_show_prowcovs_metric() {
    let metric = junit_metric();
    // TestGrid reads a job's builds under <bucket>/logs/<job> (post-submits and periodics; pre-submits live under
    // pr-logs/ and have no per-commit history).
    let jobs: BTreeSet<String> = prow_jobs()
        .into_iter()
        .filter(|(kind, ..)| *kind != Kind::Presubmit)
        .map(|(_, _, job, _)| job.name)
        .collect();
    for path in yaml_files("testgrid") {
        let config: TestGridConfig = parse_yaml(&path);
        assert!(!config.test_groups.is_empty(), "{}: no test groups", path.display());
        let mut groups = BTreeSet::new();
        for group in &config.test_groups {
            let at = format!("{}: test group {}", path.display(), group.name);
            for prefix in group.gcs_prefix.split(',') {
                let (bucket, job) = prefix
                    .split_once("/logs/")
                    .unwrap_or_else(|| panic!("{at}: gcs_prefix {prefix} is not <bucket>/logs/<job>"));
                assert!(
                    !bucket.is_empty() && !bucket.starts_with("gs://"),
                    "{at}: bucket in {prefix}"
                );
                assert!(
                    jobs.contains(job),
                    "{at}: {job} is no post-submit or periodic in prow/: {jobs:?}"
                );
            }
            assert_eq!(group.short_text_metric, metric, "{at}: short_text_metric");
            groups.insert(group.name.as_str());
        }
        let mut dashboards = BTreeSet::new();
        for dashboard in &config.dashboards {
            assert!(
                !dashboard.dashboard_tab.is_empty(),
                "{}: dashboard {} has no tabs",
                path.display(),
                dashboard.name
            );
            for tab in &dashboard.dashboard_tab {
                assert!(
                    groups.contains(tab.test_group_name.as_str()),
                    "{}: tab {} shows test group {}, which is not defined: {groups:?}",
                    path.display(),
                    tab.name,
                    tab.test_group_name
                );
            }
            dashboards.insert(dashboard.name.as_str());
        }
        for group in &config.dashboard_groups {
            for name in &group.dashboard_names {
                assert!(
                    dashboards.contains(name.as_str()),
                    "{}: dashboard group names {name}",
                    path.display()
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The container.

#[test]
#[ignore = "needs podman, runc, debootstrap and the emulators (scripts/test provides them); builds the image"]
fn container_image_runs_the_three_prow_modes() {
    let status = Command::new(repo_root().join("scripts/container-test"))
        .status()
        .expect("cannot start scripts/container-test");
    assert!(status.success(), "scripts/container-test failed: {status}");
}
