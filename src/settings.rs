//! `prowcov run`'s settings: the command line, the repository's configuration and the Prow job environment,
//! resolved once into one validated [`JobSettings`]. Everything a mode needs to know before it runs anything is
//! decided here, so that a misconfigured job fails in a second, before the tests run for ten minutes.
//!
//! Outside Prow (no `JOB_TYPE`) the *embedded default* applies: local storage under the root, job names
//! `local-<mode>`, a build id from the clock, the base of a pre-submit from `--base-ref` or the repository's main
//! branch, and no comment posted.

use std::path::{Path, PathBuf};

use crate::analysis::changes::GitRepo;
use crate::cli::{JobArgs, Mode, RunnerArg};
use crate::config::{Config, LoadedConfig, Origin, Overrides, Runner};
use crate::error::{Error, Result};
use crate::prow::{JobType, ProwEnv, Pull};

/// The folder, under the root, that holds local storage and local artifacts.
pub const LOCAL_DIR: &str = ".prowcov";

/// Environment variables taken out of the tests' environment: secrets the tests have no business seeing.
pub const TEST_ENV_REMOVE: &[&str] = &["GITHUB_TOKEN", "PROWCOV_GITHUB_TOKEN_FILE"];

/// How the coverage is obtained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tests {
    /// Run the tests under coverage.
    Run {
        runner: Runner,
        /// Empty: the runner's default.
        command: Vec<String>,
    },
    /// Read these coverage files as they are.
    Existing(Vec<PathBuf>),
}

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
    pub job_name: String,
    /// This build's id (`BUILD_ID`, else milliseconds since the epoch).
    pub build_id: String,
    /// The job whose builds hold the baselines.
    pub postsubmit_job: String,
    pub tests: Tests,
    /// The pre-submit's base (unused by the other modes).
    pub base: Base,
    /// `org/repo`, when known.
    pub repo_slug: Option<String>,
    /// The PR to comment on (a Prow pre-submit only).
    pub pull: Option<Pull>,
    pub python: Option<PathBuf>,
    /// `-i/--ignore-errors`: skip measured files whose source is missing, too (unparsable ones always are).
    pub ignore_errors: bool,
    /// The commit checked out (in a Prow pre-submit, the PR merged into the base).
    pub head_sha: String,
    /// The branch whose coverage a post-submit or periodic records (`PULL_BASE_REF`, `JOB_SPEC`'s `base_ref`, or
    /// the branch checked out); `None` for the other modes outside Prow.
    pub branch: Option<String>,
}

impl JobSettings {
    /// Resolves the settings. `var` reads the environment (the process environment in production).
    pub fn resolve(mode: Option<Mode>, args: &JobArgs, var: &dyn Fn(&str) -> Option<String>) -> Result<JobSettings> {
        let prow = ProwEnv::read(var)?;
        let mode = match (mode.map(job_type), &prow) {
            (Some(m), Some(p)) if m != p.job_type => {
                return Err(Error::config(
                    None,
                    None,
                    format!(
                        "--mode {m} contradicts JOB_TYPE={} (Prow's job type); drop --mode or fix the job",
                        p.job_type
                    ),
                ));
            }
            (Some(m), _) => m,
            (None, Some(p)) => p.job_type,
            (None, None) => {
                return Err(Error::Usage(
                    "no mode: pass --mode presubmit|postsubmit|periodic|batch (Prow sets JOB_TYPE instead)".into(),
                ));
            }
        };
        let root = resolve_root(args.root.as_deref())?;
        let mut config = Config::load(&root, args.config.as_deref(), var)?;
        config.apply_flags(&overrides(args))?;
        let local = root.join(LOCAL_DIR);
        let env_artifacts = var("ARTIFACTS").filter(|v| !v.trim().is_empty()).map(PathBuf::from);
        let artifacts = args
            .artifacts
            .clone()
            .or(env_artifacts)
            .unwrap_or_else(|| local.join("artifacts").join(mode.as_str()));
        let artifacts = std::path::absolute(&artifacts).map_err(|e| Error::write(&artifacts, e))?;

        let job_name = prow
            .as_ref()
            .map_or_else(|| format!("local-{mode}"), |p| p.job_name.clone());
        let build_id = match &prow {
            Some(p) => p.build_id.clone(),
            None => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis())
                .to_string(),
        };
        let postsubmit_job = match (&config.config.storage.postsubmit_job, mode, &prow) {
            (Some(job), _, _) => job.clone(),
            (None, JobType::Postsubmit, _) => job_name.clone(),
            (None, _, None) => "local-postsubmit".to_owned(),
            (None, JobType::Periodic, Some(_)) => job_name.clone(),
            (None, _, Some(_)) => {
                return Err(Error::config(
                    None,
                    None,
                    "a pre-submit needs the post-submit job whose baselines it compares with: set \
                     storage.postsubmit-job in .prowcov.toml, PROWCOV_BASELINE_JOB or --postsubmit-job",
                ));
            }
        };
        if !crate::render::comment::is_job_name(&postsubmit_job) {
            return Err(Error::config(
                None,
                None,
                format!("post-submit job {postsubmit_job:?}: expected letters, digits, `.`, `_` and `-`"),
            ));
        }

        let tests = tests(args, &config, &root, prow.is_some())?;
        let base = match (&prow, &args.base_ref) {
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
            (None, rev) => Base::Local(rev.clone()),
        };
        let (head_sha, branch) = check_checkout(&root, mode, prow.as_ref(), &base)?;
        let posts = prow.as_ref().is_some_and(|p| p.pull().is_some());
        if posts {
            check_token_file(&config, &root)?;
        }
        Ok(JobSettings {
            mode,
            head_sha,
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
            base,
            python: args.python.clone(),
            ignore_errors: args.ignore_errors,
        })
    }

    /// The storage URL, a relative folder resolved against the root.
    pub fn storage_url(&self) -> String {
        let url = self.config.config.storage.url.as_str();
        if url.contains("://") || Path::new(url).is_absolute() {
            url.to_owned()
        } else {
            self.root.join(url).to_string_lossy().into_owned()
        }
    }

    /// The bot's token file (a relative path from the configuration file is relative to the root).
    pub fn token_file(&self) -> Option<PathBuf> {
        token_path(&self.config, &self.root)
    }
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

/// `--root`, else the work tree around the current directory, else the current directory.
fn resolve_root(root: Option<&Path>) -> Result<PathBuf> {
    let dir = match root {
        Some(root) => root.to_path_buf(),
        None => {
            let cwd = std::env::current_dir().map_err(|e| Error::read(".", e))?;
            git2::Repository::discover(&cwd)
                .ok()
                .and_then(|r| r.workdir().map(Path::to_path_buf))
                .unwrap_or(cwd)
        }
    };
    if !dir.is_dir() {
        return Err(Error::Usage(format!("--root {}: not a directory", dir.display())));
    }
    dir.canonicalize().map_err(|e| Error::read(&dir, e))
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
        crate::analysis::filter::find_files(root, &globs, "run.profiles")
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
/// Prow, a post-submit or periodic is on a branch and a `--base-ref` exists. Returns `HEAD` and the branch recorded.
fn check_checkout(root: &Path, mode: JobType, prow: Option<&ProwEnv>, base: &Base) -> Result<(String, Option<String>)> {
    let repo = GitRepo::open(root)?;
    let head = repo.head_sha()?;
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
        return Ok((head, branch));
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
    Ok((head, Some(prow.refs.base_ref.clone())))
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

fn token_path(config: &LoadedConfig, root: &Path) -> Option<PathBuf> {
    let file = config.config.bot.token_file.as_ref()?;
    let from_file = matches!(config.origins.get("bot.token-file"), Some(Origin::File));
    Some(if from_file && file.is_relative() {
        root.join(file)
    } else {
        file.clone()
    })
}
