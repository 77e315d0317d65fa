//! `prowcov run`'s settings: the command line, the repository's configuration and the Prow job environment,
//! resolved once into one validated [`JobSettings`]. Everything a mode needs to know before it runs anything is
//! decided here, so that a misconfigured job fails in a second, before the tests run for ten minutes.
//!
//! Outside Prow (no `JOB_TYPE`) the *embedded default* applies: local storage under the root, job names
//! `local-<mode>`, a build id from the clock, the base of a pre-submit from `--base-ref` or the repository's main
//! branch, and no comment posted.

use std::path::{Path, PathBuf};

use super::bot::token_path;
use super::root::{RootDefault, resolve_root};
use super::suites::{SuitePlan, Tests};
use crate::analysis::changes::GitRepo;
use crate::cli::{JobArgs, Mode, RunnerArg};
use crate::config::{Config, LoadedConfig, Origin, Overrides, Runner};
use crate::env::Env;
use crate::error::{Error, Result};
use crate::fsutil::LOCAL_DIR;
use crate::ids::{BuildId, JobName};
use crate::prow::{JobType, ProwEnv, Pull};

/// Environment variables taken out of the tests' environment: secrets the tests have no business seeing.
pub const TEST_ENV_REMOVE: &[&str] = &["GITHUB_TOKEN", "PROWCOV_GITHUB_TOKEN_FILE"];

/// Where the pre-submit's base comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Base {
    /// Prow's `PULL_BASE_SHA` on branch `PULL_BASE_REF`.
    Prow { sha: String, branch: String },
    /// `--base-ref REV`, or the repository's main branch when `None`.
    Local(Option<String>),
}

/// Everything `prowcov run` needs, validated.
#[derive(Debug)]
pub struct JobSettings {
    pub mode: JobType,
    pub root: PathBuf,
    pub config: LoadedConfig,
    pub prow: Option<ProwEnv>,
    pub artifacts: PathBuf,
    /// This job's name (`JOB_NAME`, else `local-<mode>`).
    pub job_name: JobName,
    /// This build's id (`BUILD_ID`, else milliseconds since the epoch).
    pub build_id: BuildId,
    /// The job whose builds hold the baselines.
    pub postsubmit_job: JobName,
    pub tests: Tests,
    /// The pre-submit's base (unused by the other modes).
    pub base: Base,
    /// `org/repo`, when known.
    pub repo_slug: Option<String>,
    /// The PR to comment on (a Prow pre-submit only).
    pub pull: Option<Pull>,
    /// The interpreter with coverage.py (`--python`, else `PROWCOV_PYTHON`).
    pub python: Option<PathBuf>,
    /// `-i/--ignore-errors`: skip measured files whose source is missing, too (unparsable ones always are).
    pub ignore_errors: bool,
    /// coverage.py's configuration at the root (its `omit` leaves files unmeasured on purpose).
    pub coverage_py: crate::python::config::CoverageConfig,
    /// The commit checked out (in a Prow pre-submit, the PR merged into the base).
    pub head_sha: String,
    /// Its commit time, in seconds since the epoch (coverage files older than it are stale).
    pub head_time: Option<i64>,
    /// The branch whose coverage a post-submit or periodic records (`PULL_BASE_REF`, `JOB_SPEC`'s `base_ref`, or
    /// the branch checked out); `None` for the other modes outside Prow.
    pub branch: Option<String>,
    /// The `[[suites]]` selected to run, in order; empty: the one implicit suite of `tests`.
    pub suites: Vec<SuitePlan>,
}

impl JobSettings {
    /// Resolves the settings from `args` and the environment `env`.
    pub fn resolve(mode: Option<Mode>, args: &JobArgs, env: &Env) -> Result<JobSettings> {
        let prow = ProwEnv::read(env)?;
        let mode = resolve_mode(mode, prow.as_ref())?;
        let root = resolve_root(args.root.as_deref(), RootDefault::WorkTree)?;
        let mut config = Config::load(&root, args.config.as_deref(), &|var| env.var(var))?;
        config.apply_flags(&overrides(args))?;
        let local = root.join(LOCAL_DIR);
        let env_artifacts = env.get("ARTIFACTS").map(PathBuf::from);
        let artifacts = args
            .artifacts
            .clone()
            .or(env_artifacts)
            .unwrap_or_else(|| local.join("artifacts").join(mode.as_str()));
        let artifacts = std::path::absolute(&artifacts).map_err(|e| Error::write(&artifacts, e))?;

        let (job_name, build_id, postsubmit_job) = names(mode, prow.as_ref(), &config)?;

        let tests = tests(args, &config, &root, prow.is_some())?;
        let suites = super::suites::plan(args, &config, &root)?;
        let coverage_py = crate::python::config::load(None, &root, env)?;
        let base = base(prow.as_ref(), args.base_ref.as_deref())?;
        let (head_sha, head_time, branch) = check_checkout(&root, mode, prow.as_ref(), &base, env)?;
        let posts = prow.as_ref().is_some_and(|p| p.pull().is_some());
        if posts {
            check_token_file(&config, &root)?;
        }
        Ok(JobSettings {
            mode,
            head_sha,
            head_time,
            branch,
            repo_slug: prow.as_ref().map(|p| p.refs.slug()),
            pull: prow.as_ref().and_then(ProwEnv::pull).cloned(),
            root,
            config,
            prow,
            artifacts,
            job_name,
            build_id,
            postsubmit_job,
            tests,
            suites,
            base,
            python: args.python.clone().or_else(|| env.path("PROWCOV_PYTHON")),
            ignore_errors: args.ignore_errors,
            coverage_py,
        })
    }

    /// The storage URL, a relative folder resolved against the root.
    pub fn storage_url(&self) -> String {
        super::baseline::storage_url(self.config.config.storage.url.as_str(), &self.root)
    }

    /// The commit and branch a post-submit or periodic measured (checked by [`JobSettings::resolve`] before the
    /// tests ran).
    pub fn measured_commit(&self) -> Result<(String, String)> {
        let branch = self
            .branch
            .clone()
            .ok_or_else(|| Error::Usage(format!("{} needs a branch to record the coverage of", self.mode)))?;
        Ok((self.head_sha.clone(), branch))
    }

    /// The HTML report's title for commit `sha`.
    pub fn title(&self, sha: &str) -> String {
        let name = self.repo_slug.clone().unwrap_or_else(|| {
            self.root
                .file_name()
                .map_or_else(|| "repository".to_owned(), |n| n.to_string_lossy().into_owned())
        });
        format!("Coverage of {name} at {}", &sha[..sha.len().min(12)])
    }
}

/// The mode: `--mode` (which must agree with Prow's `JOB_TYPE`), else `JOB_TYPE`.
fn resolve_mode(mode: Option<Mode>, prow: Option<&ProwEnv>) -> Result<JobType> {
    match (mode.map(job_type), prow) {
        (Some(m), Some(p)) if m != p.job_type => Err(Error::config(
            None,
            None,
            format!(
                "--mode {m} contradicts JOB_TYPE={} (Prow's job type); drop --mode or fix the job",
                p.job_type
            ),
        )),
        (Some(m), _) => Ok(m),
        (None, Some(p)) => Ok(p.job_type),
        (None, None) => Err(Error::Usage(
            "no mode: pass --mode presubmit|postsubmit|periodic|batch (Prow sets JOB_TYPE instead)".into(),
        )),
    }
}

/// This job's name and build, and the post-submit job whose builds hold the baselines.
fn names(mode: JobType, prow: Option<&ProwEnv>, config: &LoadedConfig) -> Result<(JobName, BuildId, JobName)> {
    let job_name = match prow {
        Some(p) => p.job_name.clone(),
        None => JobName::try_from(format!("local-{mode}")).map_err(|e| Error::Usage(e.0))?,
    };
    let build_id = match prow {
        Some(p) => p.build_id.clone(),
        None => BuildId::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis())
                .to_string(),
        )
        .map_err(|e| Error::Usage(e.0))?,
    };
    let postsubmit_job = match (&config.config.storage.postsubmit_job, mode, prow) {
        (Some(job), _, _) => job.clone(),
        (None, JobType::Postsubmit, _) => job_name.to_string(),
        (None, _, None) => "local-postsubmit".to_owned(),
        (None, JobType::Periodic, Some(_)) => job_name.to_string(),
        (None, _, Some(_)) => {
            return Err(Error::config(
                None,
                None,
                "a pre-submit needs the post-submit job whose baselines it compares with: set \
                 storage.postsubmit-job in .prowcov.toml, PROWCOV_BASELINE_JOB or --postsubmit-job",
            ));
        }
    };
    let postsubmit_job = JobName::try_from(postsubmit_job.as_str()).map_err(|_| {
        Error::config(
            None,
            None,
            format!("post-submit job {postsubmit_job:?}: expected letters, digits, `.`, `_` and `-`"),
        )
    })?;
    Ok((job_name, build_id, postsubmit_job))
}

/// The pre-submit's base: Prow's `PULL_BASE_SHA`, else `--base-ref` (outside Prow only), else the main branch.
fn base(prow: Option<&ProwEnv>, base_ref: Option<&str>) -> Result<Base> {
    Ok(match (prow, base_ref) {
        (Some(_), Some(_)) => {
            return Err(Error::Usage(
                "--base-ref is for runs outside Prow; in Prow the base is PULL_BASE_SHA".into(),
            ));
        }
        (Some(p), None) => match &p.refs.base_sha {
            Some(sha) => Base::Prow {
                sha: sha.clone(),
                branch: p.refs.base_ref.clone(),
            },
            None => Base::Local(None),
        },
        (None, rev) => Base::Local(rev.map(str::to_owned)),
    })
}

fn job_type(mode: Mode) -> JobType {
    match mode {
        Mode::Presubmit => JobType::Presubmit,
        Mode::Postsubmit => JobType::Postsubmit,
        Mode::Periodic => JobType::Periodic,
        Mode::Batch => JobType::Batch,
    }
}

fn overrides(args: &JobArgs) -> Overrides {
    Overrides {
        storage: args.storage.clone(),
        postsubmit_job: args.postsubmit_job.clone(),
        min_patch: args.gate.min_patch,
        max_drop: args.gate.max_drop,
        min_file: args.gate.min_file,
        include: args.gate.include.clone(),
        exclude: args.gate.exclude.clone(),
        github_url: args.github_url.clone(),
        token_file: args.github_token_file.clone(),
        bot_login: args.bot_login.clone(),
        precision: args.precision,
        status: args.status,
    }
}

/// The coverage files `auto` looks for outside Prow, at the root.
pub const WELL_KNOWN_PROFILES: &[&str] = &[
    ".coverage",
    "coverage.xml",
    "coverage.json",
    "lcov.info",
    "coverage.out",
];

/// Decides how the coverage is obtained: `--profile`, else the runner (flag, then configuration) resolved.
fn tests(args: &JobArgs, config: &LoadedConfig, root: &Path, in_prow: bool) -> Result<Tests> {
    let run = &config.config.run;
    let command = if args.command.is_empty() {
        run.command.clone()
    } else {
        args.command.clone()
    };
    let runner = match args.runner {
        Some(RunnerArg::Auto) => Runner::Auto,
        Some(RunnerArg::Python) => Runner::Python,
        Some(RunnerArg::Go) => Runner::Go,
        Some(RunnerArg::Command) => Runner::Command,
        Some(RunnerArg::None) => Runner::None,
        None => run.runner,
    };
    if !args.profile.is_empty() {
        if !args.command.is_empty() || matches!(args.runner, Some(r) if r != RunnerArg::None && r != RunnerArg::Auto) {
            return Err(Error::Usage(
                "--profile reads coverage files instead of running the tests: drop the test command or --runner".into(),
            ));
        }
        // Relative to the current directory, as any path on a command line.
        return args
            .profile
            .iter()
            .map(|p| std::path::absolute(p).map_err(|e| Error::read(p, e)))
            .collect::<Result<Vec<_>>>()
            .map(Tests::Existing);
    }
    let globbed = || -> Result<Vec<PathBuf>> {
        let globs: Vec<String> = run.profiles.iter().map(|g| g.as_str().to_owned()).collect();
        crate::fsutil::find_files(root, &globs, "run.profiles")
    };
    let runner = match runner {
        Runner::None => {
            if run.profiles.is_empty() {
                return Err(Error::config(
                    config.source.path(),
                    None,
                    "run.runner = \"none\" reads existing coverage files: set run.profiles or pass --profile",
                ));
            }
            let files = globbed()?;
            if files.is_empty() {
                return Err(Error::Data(format!(
                    "no coverage file matches run.profiles ({}) under {}",
                    run.profiles.iter().map(|g| g.as_str()).collect::<Vec<_>>().join(", "),
                    root.display()
                )));
            }
            return Ok(Tests::Existing(files));
        }
        Runner::Auto if !command.is_empty() => Runner::Command,
        Runner::Auto => {
            if !in_prow {
                let existing: Vec<PathBuf> = if run.profiles.is_empty() {
                    WELL_KNOWN_PROFILES
                        .iter()
                        .map(|n| root.join(n))
                        .filter(|p| p.is_file())
                        .collect()
                } else {
                    globbed()?
                };
                if !existing.is_empty() {
                    return Ok(Tests::Existing(existing));
                }
            }
            let python_markers = ["pyproject.toml", "setup.py", "setup.cfg", "pytest.ini", "tox.ini"];
            if root.join("go.mod").is_file() && !python_markers.iter().any(|m| root.join(m).is_file()) {
                Runner::Go
            } else {
                Runner::Python
            }
        }
        other => other,
    };
    if runner == Runner::Command && command.is_empty() {
        return Err(Error::config(
            config.source.path(),
            None,
            "run.runner = \"command\" needs run.command (or a command after `--`)",
        ));
    }
    Ok(Tests::Run { runner, command })
}

/// Checks, before any test runs, that the checkout is what the job is about: a commit exists; in Prow, `HEAD` is the
/// commit Prow names (a post-submit's `PULL_BASE_SHA`; a pre-submit's `PULL_PULL_SHA` merged into the base); outside
/// Prow, a post-submit or periodic is on a branch and a `--base-ref` exists. Returns `HEAD`, its commit time and the
/// branch recorded.
fn check_checkout(
    root: &Path,
    mode: JobType,
    prow: Option<&ProwEnv>,
    base: &Base,
    env: &Env,
) -> Result<(String, Option<i64>, Option<String>)> {
    let repo = GitRepo::open(root, env)?;
    let head = repo.head_sha()?;
    let time = repo.commit_time(&head).ok();
    let same = |named: &str| head.starts_with(&named.to_ascii_lowercase());
    let Some(prow) = prow else {
        if let Base::Local(Some(rev)) = base {
            repo.resolve(rev, "base (--base-ref)")?;
        }
        let branch = match mode {
            JobType::Postsubmit | JobType::Periodic => Some(repo.head_branch().ok_or_else(|| {
                Error::Usage(format!(
                    "{}: the checkout is a detached HEAD; check out the branch whose coverage this is (its name keys \
                     the baselines and the history)",
                    root.display()
                ))
            })?),
            JobType::Presubmit | JobType::Batch => None,
        };
        return Ok((head, time, branch));
    };
    let mismatch = |var: &str, named: &str| {
        Error::config(
            None,
            None,
            format!(
                "{var} is {named} but the checkout at {} is {head}; the coverage must be of the commit Prow names \
                 (hint: check the job's refs or extra_refs and any step that changes the checkout)",
                root.display()
            ),
        )
    };
    match prow.job_type {
        JobType::Postsubmit => {
            if let Some(sha) = &prow.refs.base_sha
                && !same(sha)
            {
                return Err(mismatch("PULL_BASE_SHA", sha));
            }
        }
        JobType::Periodic => {
            if let Some(sha) = &prow.refs.base_sha
                && !same(sha)
            {
                return Err(mismatch("JOB_SPEC extra_refs[0].base_sha", sha));
            }
        }
        JobType::Presubmit => {
            if let Some(pull) = prow.pull()
                && !same(&pull.sha)
                && !repo.parents(&head)?.iter().any(|p| p.starts_with(&pull.sha))
            {
                return Err(mismatch("PULL_PULL_SHA (neither HEAD nor a parent of it)", &pull.sha));
            }
        }
        JobType::Batch => {}
    }
    Ok((head, time, Some(prow.refs.base_ref.clone())))
}

/// A pre-submit that will post checks its token file before the tests run: a mis-mounted secret fails the job in a
/// second, naming where the path came from, instead of after the tests. The token itself is read only when posting.
fn check_token_file(config: &LoadedConfig, root: &Path) -> Result<()> {
    let Some(path) = token_path(config, root) else {
        return Ok(());
    };
    let from = match config.origins.get("bot.token-file") {
        Some(Origin::Env(var)) => (*var).to_owned(),
        Some(Origin::Flag(flag)) => (*flag).to_owned(),
        _ => "bot.token-file".to_owned(),
    };
    match std::fs::File::open(&path) {
        Ok(_) => Ok(()),
        Err(e) => Err(Error::config(
            None,
            None,
            format!(
                "{from}: cannot read the GitHub token file {}: {e}; hint: check the secret mounted for the job",
                path.display()
            ),
        )),
    }
}
