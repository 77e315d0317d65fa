//! The Prow job environment, read once into a [`ProwEnv`]: the job type, name and build, the refs under test, the
//! artifacts folder and, from `JOB_SPEC`, what periodics need (they get no `REPO_*`/`PULL_*` variables) and where
//! Prow uploads this build's artifacts. Pure: the variables come from a lookup function, so tests pass a map.
//!
//! Every missing or inconsistent variable is an error naming it (`Error::Config`, exit code 78): a job that runs
//! with half its environment would compare against the wrong commit or post to the wrong PR.

use std::fmt;
use std::path::PathBuf;

use serde::Deserialize;

use crate::env::Env;
use crate::error::{Error, Result};
use crate::ids::{Branch, BuildId, JobName, Sha};

/// The variables prowcov reads, for `--help`, the docs and the checks of `prow/`.
pub const VARIABLES: &[&str] = &[
    "JOB_TYPE",
    "JOB_NAME",
    "BUILD_ID",
    "PROW_JOB_ID",
    "REPO_OWNER",
    "REPO_NAME",
    "PULL_BASE_REF",
    "PULL_BASE_SHA",
    "PULL_NUMBER",
    "PULL_PULL_SHA",
    "PULL_REFS",
    "ARTIFACTS",
    "JOB_SPEC",
];

/// The kind of job, as Prow's `JOB_TYPE` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum JobType {
    Presubmit,
    Postsubmit,
    Periodic,
    /// Several PRs merged together and tested at once (Tide): a pre-submit without a comment.
    Batch,
}

impl JobType {
    pub fn parse(s: &str) -> Option<JobType> {
        match s {
            "presubmit" => Some(JobType::Presubmit),
            "postsubmit" => Some(JobType::Postsubmit),
            "periodic" => Some(JobType::Periodic),
            "batch" => Some(JobType::Batch),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            JobType::Presubmit => "presubmit",
            JobType::Postsubmit => "postsubmit",
            JobType::Periodic => "periodic",
            JobType::Batch => "batch",
        }
    }

    /// Whether the job compares a change with a baseline (pre-submit and batch).
    pub fn is_change(self) -> bool {
        matches!(self, JobType::Presubmit | JobType::Batch)
    }
}

impl fmt::Display for JobType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One pull request under test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pull {
    pub number: u64,
    /// The PR's head commit (`PULL_PULL_SHA`); the checkout is this merged into the base.
    pub sha: String,
}

/// The repository and commits the job runs on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refs {
    pub org: String,
    pub repo: String,
    /// The base branch (`PULL_BASE_REF`).
    pub base_ref: String,
    /// The base commit (`PULL_BASE_SHA`); periodics may not know it (then the checkout's `HEAD`).
    pub base_sha: Option<String>,
    /// The PRs merged into the base: one for a pre-submit, several for a batch, none otherwise.
    pub pulls: Vec<Pull>,
}

impl Refs {
    /// `org/repo`.
    pub fn slug(&self) -> String {
        format!("{}/{}", self.org, self.repo)
    }
}

/// Where Prow's uploader puts this build's files (from `JOB_SPEC.decoration_config.gcs_configuration`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    /// The bucket name, without `gs://`.
    pub bucket: String,
    /// The build's folder in the bucket, e.g. `pr-logs/pull/org_repo/7/pull-repo-coverage/1234`.
    pub build_path: String,
}

/// The job environment of one Prow build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProwEnv {
    pub job_type: JobType,
    pub job_name: JobName,
    pub build_id: BuildId,
    pub prow_job_id: Option<String>,
    pub refs: Refs,
    /// `$ARTIFACTS`: uploaded by Prow after the test container exits.
    pub artifacts: Option<PathBuf>,
    pub upload: Option<Upload>,
}

impl ProwEnv {
    /// Reads Prow's variables from `env` (an empty value counts as unset). `Ok(None)` when `JOB_TYPE` is unset:
    /// not a Prow job.
    pub fn read(env: &Env) -> Result<Option<ProwEnv>> {
        let get = |name: &str| env.get(name).map(str::to_owned);
        let Some(job_type) = get("JOB_TYPE") else {
            return Ok(None);
        };
        let job_type = JobType::parse(&job_type).ok_or_else(|| {
            bad(
                "JOB_TYPE",
                &job_type,
                "expected presubmit, postsubmit, periodic or batch",
            )
        })?;
        let need = |name: &str| {
            get(name).ok_or_else(|| {
                Error::config(
                    None,
                    None,
                    format!("{name} is not set; Prow sets it for {job_type} jobs (is the job decorated?)"),
                )
            })
        };
        let job_name = need("JOB_NAME")?;
        let job_name = JobName::try_from(job_name.as_str())
            .map_err(|_| bad("JOB_NAME", &job_name, "expected letters, digits, `.`, `_` and `-`"))?;
        let build_id = get("BUILD_ID")
            .or_else(|| get("BUILD_NUMBER"))
            .ok_or_else(|| Error::config(None, None, "BUILD_ID is not set; Prow sets it for every job"))?;
        let build_id = BuildId::try_from(build_id.as_str())
            .map_err(|_| bad("BUILD_ID", &build_id, "expected a decimal build number"))?;
        let spec = get("JOB_SPEC").map(|text| JobSpec::parse(&text)).transpose()?;
        let refs = match job_type {
            JobType::Periodic => periodic_refs(spec.as_ref())?,
            _ => {
                let refs = Refs {
                    org: need("REPO_OWNER")?,
                    repo: need("REPO_NAME")?,
                    base_ref: need("PULL_BASE_REF")?,
                    base_sha: Some(sha("PULL_BASE_SHA", &need("PULL_BASE_SHA")?)?),
                    pulls: match job_type {
                        JobType::Presubmit => vec![Pull {
                            number: number("PULL_NUMBER", &need("PULL_NUMBER")?)?,
                            sha: sha("PULL_PULL_SHA", &need("PULL_PULL_SHA")?)?,
                        }],
                        _ => Vec::new(),
                    },
                };
                match get("PULL_REFS") {
                    Some(text) => check_pull_refs(&text, refs, job_type)?,
                    None if job_type == JobType::Batch => {
                        return Err(Error::config(
                            None,
                            None,
                            "PULL_REFS is not set; a batch job learns its PRs from it",
                        ));
                    }
                    None => refs,
                }
            }
        };
        if let Err(e) = Branch::try_from(refs.base_ref.as_str()) {
            let var = if job_type == JobType::Periodic {
                "JOB_SPEC extra_refs[0].base_ref"
            } else {
                "PULL_BASE_REF"
            };
            return Err(Error::config(None, None, format!("{var}: {e}")));
        }
        let upload = spec
            .as_ref()
            .and_then(|s| s.upload(job_type, &job_name, &build_id, &refs));
        Ok(Some(ProwEnv {
            job_type,
            job_name,
            build_id,
            prow_job_id: get("PROW_JOB_ID"),
            refs,
            artifacts: get("ARTIFACTS").map(PathBuf::from),
            upload,
        }))
    }

    /// The pre-submit's PR (the first one; a batch has several and gets no comment).
    pub fn pull(&self) -> Option<&Pull> {
        match self.job_type {
            JobType::Presubmit => self.refs.pulls.first(),
            _ => None,
        }
    }
}

fn bad(name: &str, value: &str, expected: &str) -> Error {
    Error::config(None, None, format!("{name}={value:?}: {expected}"))
}

fn sha(name: &str, value: &str) -> Result<String> {
    Sha::try_from(value)
        .map(String::from)
        .map_err(|_| bad(name, value, "expected a hexadecimal commit SHA"))
}

fn number(name: &str, value: &str) -> Result<u64> {
    value
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| bad(name, value, "expected a pull request number"))
}

/// Checks `PULL_REFS` (`<base_ref>:<base_sha>,<pr>:<pr_sha>[:<ref>]...`) against the single variables, and takes a
/// batch's PRs from it.
fn check_pull_refs(text: &str, mut refs: Refs, job_type: JobType) -> Result<Refs> {
    let invalid = |why: &str| bad("PULL_REFS", text, why);
    let mut parts = text.split(',');
    let base = parts.next().unwrap_or_default();
    let (base_ref, base_sha) = base
        .split_once(':')
        .ok_or_else(|| invalid("expected `<base_ref>:<base_sha>` first"))?;
    if base_ref != refs.base_ref {
        return Err(Error::config(
            None,
            None,
            format!(
                "PULL_REFS names base branch {base_ref:?} but PULL_BASE_REF is {:?}",
                refs.base_ref
            ),
        ));
    }
    if !base_sha.is_empty() && refs.base_sha.as_deref() != Some(base_sha.to_ascii_lowercase().as_str()) {
        return Err(Error::config(
            None,
            None,
            format!(
                "PULL_REFS names base commit {base_sha} but PULL_BASE_SHA is {}",
                refs.base_sha.as_deref().unwrap_or("")
            ),
        ));
    }
    let mut pulls = Vec::new();
    for part in parts.filter(|p| !p.is_empty()) {
        let mut fields = part.split(':');
        let (Some(n), Some(s)) = (fields.next(), fields.next()) else {
            return Err(invalid("expected `<pr>:<pr_sha>` after the base"));
        };
        pulls.push(Pull {
            number: number("PULL_REFS", n)?,
            sha: sha("PULL_REFS", s)?,
        });
    }
    match job_type {
        JobType::Presubmit => {
            if pulls.first() != refs.pulls.first() {
                let want = &refs.pulls[0];
                return Err(Error::config(
                    None,
                    None,
                    format!(
                        "PULL_REFS ({text}) does not name PR {} at {} as PULL_NUMBER and PULL_PULL_SHA do",
                        want.number, want.sha
                    ),
                ));
            }
        }
        JobType::Batch => {
            if pulls.is_empty() {
                return Err(invalid("a batch job names its PRs after the base"));
            }
            refs.pulls = pulls;
        }
        JobType::Postsubmit | JobType::Periodic => {}
    }
    Ok(refs)
}

/// The parts of `JOB_SPEC` prowcov uses.
#[derive(Debug, Default, Deserialize)]
struct JobSpec {
    #[serde(default)]
    refs: Option<SpecRefs>,
    #[serde(default)]
    extra_refs: Vec<SpecRefs>,
    #[serde(default)]
    decoration_config: Option<Decoration>,
}

#[derive(Clone, Debug, Deserialize)]
struct SpecRefs {
    org: String,
    repo: String,
    #[serde(default)]
    base_ref: String,
    #[serde(default)]
    base_sha: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Decoration {
    #[serde(default)]
    gcs_configuration: Option<GcsConfiguration>,
}

#[derive(Debug, Deserialize)]
struct GcsConfiguration {
    #[serde(default)]
    bucket: String,
    #[serde(default)]
    path_prefix: String,
    #[serde(default)]
    path_strategy: String,
    #[serde(default)]
    default_org: String,
    #[serde(default)]
    default_repo: String,
}

impl JobSpec {
    fn parse(text: &str) -> Result<JobSpec> {
        serde_json::from_str(text).map_err(|e| {
            Error::config(
                None,
                None,
                format!(
                    "JOB_SPEC: expected Prow's job spec JSON (line {}, column {}): {e}",
                    e.line(),
                    e.column()
                ),
            )
        })
    }

    /// Prow's upload path (`pkg/pod-utils/gcs/target.go`): `logs/<job>/<build>` for post-submits and periodics,
    /// `pr-logs/pull/<seg>/<pr>/<job>/<build>` for pre-submits, `pr-logs/pull/batch/<job>/<build>` for batches.
    fn upload(&self, job_type: JobType, job: &str, build: &str, refs: &Refs) -> Option<Upload> {
        let gcs = self.decoration_config.as_ref()?.gcs_configuration.as_ref()?;
        let bucket = gcs
            .bucket
            .strip_prefix("gs://")
            .unwrap_or(&gcs.bucket)
            .trim_end_matches('/');
        if bucket.is_empty() || bucket.contains("://") {
            return None;
        }
        let path = match job_type {
            JobType::Postsubmit | JobType::Periodic => format!("logs/{job}/{build}"),
            JobType::Batch => format!("pr-logs/pull/batch/{job}/{build}"),
            JobType::Presubmit => {
                let pr = refs.pulls.first()?.number;
                let full = format!("{}_{}", refs.org, refs.repo.replace('/', "_"));
                let seg = match gcs.path_strategy.as_str() {
                    "legacy" if refs.org == gcs.default_org && refs.repo == gcs.default_repo => String::new(),
                    "legacy" if refs.org == gcs.default_org => refs.repo.replace('/', "_"),
                    "single" if refs.org == gcs.default_org && refs.repo == gcs.default_repo => String::new(),
                    _ => full,
                };
                let mut path = String::from("pr-logs/pull/");
                if !seg.is_empty() {
                    path.push_str(&seg);
                    path.push('/');
                }
                path.push_str(&format!("{pr}/{job}/{build}"));
                path
            }
        };
        let prefix = gcs.path_prefix.trim_matches('/');
        Some(Upload {
            bucket: bucket.to_owned(),
            build_path: if prefix.is_empty() {
                path
            } else {
                format!("{prefix}/{path}")
            },
        })
    }
}

/// A periodic's repository: the first `extra_refs` (or `refs`) of `JOB_SPEC`.
fn periodic_refs(spec: Option<&JobSpec>) -> Result<Refs> {
    let spec = spec.ok_or_else(|| {
        Error::config(
            None,
            None,
            "JOB_SPEC is not set; a periodic job gets no REPO_*/PULL_* variables and needs it (is the job decorated?)",
        )
    })?;
    let refs = spec.extra_refs.first().or(spec.refs.as_ref()).ok_or_else(|| {
        Error::config(
            None,
            None,
            "JOB_SPEC has no extra_refs: give the periodic job `extra_refs: [{org: ..., repo: ..., base_ref: main}]`",
        )
    })?;
    if refs.base_ref.is_empty() {
        return Err(Error::config(None, None, "JOB_SPEC: extra_refs[0] has no base_ref"));
    }
    Ok(Refs {
        org: refs.org.clone(),
        repo: refs.repo.clone(),
        base_ref: refs.base_ref.clone(),
        base_sha: refs
            .base_sha
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| sha("JOB_SPEC extra_refs[0].base_sha", s))
            .transpose()?,
        pulls: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const BASE: &str = "0123456789abcdef0123456789abcdef01234567";
    const HEAD: &str = "89abcdef0123456789abcdef0123456789abcdef";

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn presubmit() -> BTreeMap<String, String> {
        env(&[
            ("JOB_TYPE", "presubmit"),
            ("JOB_NAME", "pull-demo-coverage"),
            ("BUILD_ID", "1234"),
            ("PROW_JOB_ID", "1ce07fa2-0831-11e8-b07e-0a58ac101036"),
            ("REPO_OWNER", "acme"),
            ("REPO_NAME", "demo"),
            ("PULL_BASE_REF", "main"),
            ("PULL_BASE_SHA", BASE),
            ("PULL_NUMBER", "7"),
            ("PULL_PULL_SHA", HEAD),
            ("PULL_REFS", &format!("main:{BASE},7:{HEAD}")),
            ("ARTIFACTS", "/logs/artifacts"),
        ])
    }

    fn read(map: &BTreeMap<String, String>) -> Result<Option<ProwEnv>> {
        ProwEnv::read(&Env::from_pairs(map.clone()))
    }

    fn error(map: &BTreeMap<String, String>) -> String {
        read(map).expect_err("should fail").to_string()
    }

    #[test]
    fn not_a_prow_job_without_job_type() {
        assert_eq!(read(&env(&[("JOB_NAME", "x")])).expect("ok"), None);
    }

    #[test]
    fn a_presubmit_as_prow_sets_it() {
        let got = read(&presubmit()).expect("ok").expect("prow");
        assert_eq!(got.job_type, JobType::Presubmit);
        assert_eq!(got.refs.slug(), "acme/demo");
        assert_eq!(got.refs.base_sha.as_deref(), Some(BASE));
        assert_eq!(
            got.pull(),
            Some(&Pull {
                number: 7,
                sha: HEAD.into()
            })
        );
        assert_eq!(got.artifacts, Some(PathBuf::from("/logs/artifacts")));
        assert_eq!(got.upload, None, "no JOB_SPEC, no upload path");
    }

    #[test]
    fn missing_and_inconsistent_variables_are_named() {
        let mut m = presubmit();
        m.remove("PULL_PULL_SHA");
        assert!(error(&m).contains("PULL_PULL_SHA is not set"), "{}", error(&m));
        let mut m = presubmit();
        m.insert("PULL_REFS".into(), format!("main:{BASE},8:{HEAD}"));
        assert!(error(&m).contains("PULL_REFS"), "{}", error(&m));
        let mut m = presubmit();
        m.insert("PULL_REFS".into(), format!("release:{BASE},7:{HEAD}"));
        assert!(error(&m).contains("PULL_BASE_REF is \"main\""), "{}", error(&m));
        let mut m = presubmit();
        m.insert("JOB_TYPE".into(), "nightly".into());
        assert!(error(&m).starts_with("JOB_TYPE=\"nightly\""), "{}", error(&m));
        let mut m = presubmit();
        m.insert("PULL_BASE_SHA".into(), "main".into());
        assert!(
            error(&m).contains("PULL_BASE_SHA=\"main\": expected a hexadecimal"),
            "{}",
            error(&m)
        );
        let mut m = presubmit();
        m.insert("BUILD_ID".into(), "../x".into());
        assert!(error(&m).contains("BUILD_ID"), "{}", error(&m));
    }

    #[test]
    fn a_base_branch_that_cannot_key_baselines_is_named() {
        let mut m = presubmit();
        m.insert("PULL_BASE_REF".into(), "../../x".into());
        m.insert("PULL_REFS".into(), format!("../../x:{BASE},7:{HEAD}"));
        assert!(
            error(&m).starts_with("PULL_BASE_REF: branch \"../../x\""),
            "{}",
            error(&m)
        );
    }

    #[test]
    fn a_batch_takes_its_prs_from_pull_refs() {
        let mut m = presubmit();
        m.insert("JOB_TYPE".into(), "batch".into());
        m.remove("PULL_NUMBER");
        m.remove("PULL_PULL_SHA");
        m.insert(
            "PULL_REFS".into(),
            format!("main:{BASE},7:{HEAD}:refs/pull/7/head,9:{BASE}"),
        );
        let got = read(&m).expect("ok").expect("prow");
        assert_eq!(got.refs.pulls.len(), 2);
        assert_eq!(got.pull(), None, "a batch gets no comment");
        m.remove("PULL_REFS");
        assert!(error(&m).contains("PULL_REFS is not set"));
    }

    #[test]
    fn a_periodic_reads_extra_refs_and_the_upload_path_from_job_spec() {
        let spec = r#"{"type":"periodic","job":"ci-demo-coverage","buildid":"99",
            "extra_refs":[{"org":"acme","repo":"demo","base_ref":"main"}],
            "decoration_config":{"gcs_configuration":{"bucket":"gs://acme-prow","path_strategy":"explicit"}}}"#;
        let m = env(&[
            ("JOB_TYPE", "periodic"),
            ("JOB_NAME", "ci-demo-coverage"),
            ("BUILD_ID", "99"),
            ("JOB_SPEC", spec),
        ]);
        let got = read(&m).expect("ok").expect("prow");
        assert_eq!(got.refs.slug(), "acme/demo");
        assert_eq!(got.refs.base_sha, None);
        assert_eq!(
            got.upload,
            Some(Upload {
                bucket: "acme-prow".into(),
                build_path: "logs/ci-demo-coverage/99".into()
            })
        );
        let mut m = m;
        m.insert("JOB_SPEC".into(), r#"{"type":"periodic"}"#.into());
        assert!(error(&m).contains("extra_refs"), "{}", error(&m));
        m.remove("JOB_SPEC");
        assert!(error(&m).contains("JOB_SPEC is not set"), "{}", error(&m));
        m.insert("JOB_SPEC".into(), "{".into());
        assert!(
            error(&m).contains("JOB_SPEC: expected Prow's job spec JSON"),
            "{}",
            error(&m)
        );
    }

    #[test]
    fn presubmit_upload_paths_follow_the_path_strategy() {
        let with = |strategy: &str| {
            let mut m = presubmit();
            m.insert(
                "JOB_SPEC".into(),
                format!(
                    r#"{{"decoration_config":{{"gcs_configuration":{{"bucket":"b","path_strategy":"{strategy}",
                    "default_org":"acme","default_repo":"demo"}}}}}}"#
                ),
            );
            read(&m).expect("ok").expect("prow").upload.expect("upload").build_path
        };
        assert_eq!(with("explicit"), "pr-logs/pull/acme_demo/7/pull-demo-coverage/1234");
        assert_eq!(with("legacy"), "pr-logs/pull/7/pull-demo-coverage/1234");
        assert_eq!(with("single"), "pr-logs/pull/7/pull-demo-coverage/1234");
    }
}
