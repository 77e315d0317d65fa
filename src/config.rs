//! prowcov's own configuration: the repository's `.prowcov.toml` or `[tool.prowcov]` in `pyproject.toml`.
//!
//! Keys are kebab-case (`min-patch`, like the flags). Layers, lowest first: defaults < the file < environment
//! ([`ENV_VARS`]) < command-line flags ([`Overrides`]). Every level rejects unknown keys, and every value is
//! validated while it is read, so an error names the file, the line, the section and the key. [`LoadedConfig`]
//! remembers where each key that is not a default came from; [`LoadedConfig::dump`] prints the effective settings
//! (never a secret: the bot's token is only ever named by its file).

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The file prowcov looks for first at the repository root.
pub const FILE_NAME: &str = ".prowcov.toml";

/// The environment variables read, with the key each one sets. An empty value counts as unset.
pub const ENV_VARS: &[(&str, &str)] = &[
    ("PROWCOV_STORAGE", "storage.url"),
    ("PROWCOV_BASELINE_JOB", "storage.postsubmit-job"),
    ("PROWCOV_GITHUB_URL", "bot.github-url"),
    ("PROWCOV_GITHUB_TOKEN_FILE", "bot.token-file"),
];

/// Every key, as `section.key`, in the order of the documentation and of [`LoadedConfig::dump`].
pub const KEYS: &[&str] = &[
    "run.runner",
    "run.command",
    "run.profiles",
    "run.go-packages",
    "run.main-branch",
    "run.parallel-suites",
    "paths.include",
    "paths.exclude",
    "gate.min-patch",
    "gate.max-drop",
    "gate.min-file",
    "storage.url",
    "storage.postsubmit-job",
    "storage.use-failed-baselines",
    "storage.max-walk",
    "links.artifacts",
    "links.build",
    "bot.github-url",
    "bot.token-file",
    "bot.login",
    "bot.status",
    "report.precision",
];

/// The effective configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    pub run: Run,
    pub paths: Paths,
    pub gate: Gate,
    pub storage: Storage,
    pub links: Links,
    pub bot: Bot,
    pub report: Report,
    /// `[[suites]]`: several test runs in one job, one per language or sub-project; none means one implicit suite.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suites: Vec<Suite>,
    /// `[[components]]`: views over the merged coverage, with figures and gates of their own.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
}

/// One `[[suites]]` table: a test run with its own runner, directory and profiles, whose coverage is merged with
/// its language's rules and then with the other suites'.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Suite {
    /// Kebab-case, unique: names the suite's log (`tests-<name>.log`), artifact (`coverage-<name>.json`) and rows.
    pub name: ViewName,
    /// `python`, `go`, `command` or `none` (read `profiles`, run nothing).
    pub runner: Runner,
    /// The test command; empty means the runner's default.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// Globs of the coverage files the suite writes (`command`) or has (`none`), relative to its `root`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<Glob>,
    /// The sub-directory the suite runs in, relative to the repository root; default the root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<RelativeDir>,
    /// Globs (relative to the repository root) of the sources the suite owns: its figures count only these files.
    /// Empty: every file it measures.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<Glob>,
    /// Go runner: the packages to test and measure; default `run.go-packages`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub go_packages: Vec<String>,
}

/// One `[[components]]` table: a sub-project, as globs over the merged coverage (a file may be in several).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Component {
    /// Kebab-case, unique; `other` is reserved for the files in no component.
    pub name: ViewName,
    /// Globs of the component's files, relative to the repository root; at least one.
    pub paths: Vec<Glob>,
    /// The component's own thresholds (the keys of `[gate]`); unset: no check.
    #[serde(default, skip_serializing_if = "Gate::is_empty")]
    pub gate: Gate,
}

/// A suite's or component's name: kebab-case (`[a-z0-9]` words joined by `-`), at most 64 characters.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ViewName(String);

impl ViewName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ViewName {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let word = |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if s.len() <= 64 && s.split('-').all(word) {
            Ok(ViewName(s))
        } else {
            Err(format!(
                "expected a kebab-case name (lowercase letters and digits joined by `-`), found `{s}`"
            ))
        }
    }
}

impl From<ViewName> for String {
    fn from(n: ViewName) -> String {
        n.0
    }
}

impl fmt::Display for ViewName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A directory relative to the repository root that stays inside it (no `..`, not absolute).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RelativeDir(String);

impl RelativeDir {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for RelativeDir {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let path = Path::new(&s);
        let inside = path
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_) | std::path::Component::CurDir));
        if s.is_empty() || !inside {
            return Err(format!(
                "expected a sub-directory of the repository root (relative, without `..`), found `{s}`"
            ));
        }
        Ok(RelativeDir(s.trim_end_matches('/').to_owned()))
    }
}

impl From<RelativeDir> for String {
    fn from(d: RelativeDir) -> String {
        d.0
    }
}

/// `[run]`: how `prowcov run` runs the tests under coverage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Run {
    /// The language runner.
    pub runner: Runner,
    /// The test command as an argument list; empty means the runner's default (`python -m pytest`, `go test`).
    pub command: Vec<String>,
    /// Globs of the coverage files the command writes (any supported format), relative to the root.
    pub profiles: Vec<Glob>,
    /// The Go packages to test and measure (`-coverpkg`).
    pub go_packages: Vec<String>,
    /// The branch post-submits record baselines for, and a pre-submit's base outside Prow; unset: `main`, else
    /// `master`.
    pub main_branch: Option<crate::ids::Branch>,
    /// How many `[[suites]]` run at once (1: one after another).
    pub parallel_suites: Parallelism,
}

/// How many suites run at once: 1 to 64.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Parallelism(u8);

impl Parallelism {
    pub fn get(self) -> usize {
        usize::from(self.0)
    }
}

impl TryFrom<i64> for Parallelism {
    type Error = String;
    fn try_from(v: i64) -> Result<Self, String> {
        match u8::try_from(v) {
            Ok(n @ 1..=64) => Ok(Parallelism(n)),
            _ => Err(format!("expected a number of suites from 1 to 64, found {v}")),
        }
    }
}

impl From<Parallelism> for i64 {
    fn from(p: Parallelism) -> i64 {
        i64::from(p.0)
    }
}

impl Default for Run {
    fn default() -> Self {
        Run {
            runner: Runner::Auto,
            command: Vec::new(),
            profiles: Vec::new(),
            go_packages: vec!["./...".to_owned()],
            main_branch: None,
            parallel_suites: Parallelism(1),
        }
    }
}

/// The language runners of `prowcov run`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Runner {
    /// Chosen per run: `command` when `run.command` is set; outside Prow, the coverage files already in the
    /// repository when there are any (`none`); else `go` for a Go module without Python packaging, else `python`.
    Auto,
    /// coverage.py (or pytest-cov), subprocesses measured, data combined by prowcov.
    Python,
    /// `go test -covermode=atomic -coverprofile ... -coverpkg ...`.
    Go,
    /// Any command, plus the globs of the profiles it writes (`profiles`).
    Command,
    /// No tests run: the coverage files matching `profiles` (or given with `--profile`) are read as they are.
    None,
}

impl Runner {
    pub fn parse(s: &str) -> Option<Runner> {
        match s {
            "auto" => Some(Runner::Auto),
            "none" => Some(Runner::None),
            "python" => Some(Runner::Python),
            "go" => Some(Runner::Go),
            "command" => Some(Runner::Command),
            _ => None,
        }
    }
}

/// `[paths]`: which files count (the globs of `prowcov diff --include/--exclude`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Paths {
    pub include: Vec<Glob>,
    pub exclude: Vec<Glob>,
}

/// `[gate]`: the thresholds of the pre-submit; unset means no check.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Gate {
    /// Minimum patch coverage, in percent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_patch: Option<Percent>,
    /// Maximum drop of the total coverage, in percentage points.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_drop: Option<Percent>,
    /// Minimum head coverage of each changed file, in percent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_file: Option<Percent>,
}

impl Gate {
    /// Whether no threshold is set.
    pub fn is_empty(&self) -> bool {
        self.min_patch.is_none() && self.max_drop.is_none() && self.min_file.is_none()
    }
}

/// `[storage]`: where baselines live and how they are found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Storage {
    /// `gs://BUCKET/PREFIX`, `s3://BUCKET/PREFIX`, `file://PATH` or a folder (relative to the root).
    pub url: StorageUrl,
    /// The post-submit job whose builds hold the baselines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postsubmit_job: Option<String>,
    /// Also use baselines whose tests failed.
    pub use_failed_baselines: bool,
    /// Ancestors of the base commit to try, nearest first.
    pub max_walk: usize,
}

impl Default for Storage {
    fn default() -> Self {
        Storage {
            url: StorageUrl(".prowcov".to_owned()),
            postsubmit_job: None,
            use_failed_baselines: false,
            max_walk: 50,
        }
    }
}

/// `[links]`: URL templates for the job's artifacts; unset means no link.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Links {
    /// A file of the build's artifacts (gcsweb or the plain bucket URL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifacts: Option<LinkTemplate>,
    /// The build's page (Spyglass).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<LinkTemplate>,
}

/// `[bot]`: the metrics-bot. There is deliberately no key for the token itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Bot {
    /// The API base: `https://api.github.com`, or GitHub Enterprise's `https://<host>/api/v3`.
    pub github_url: HttpUrl,
    /// A file holding the token (Prow mounts a secret as a file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_file: Option<PathBuf>,
    /// The bot's login, to skip `GET /user`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    /// Also set the commit status `coverage/<job>`.
    pub status: bool,
}

impl Default for Bot {
    fn default() -> Self {
        Bot {
            github_url: HttpUrl("https://api.github.com".to_owned()),
            token_file: None,
            login: None,
            status: false,
        }
    }
}

/// `[report]`: how figures are shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Report {
    /// Digits after the decimal point in percentages and deltas (0 to 10).
    pub precision: Precision,
}

impl Default for Report {
    fn default() -> Self {
        Report {
            precision: Precision(2),
        }
    }
}

/// A percentage from 0 to 100.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Percent(f64);

impl Percent {
    pub fn get(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for Percent {
    type Error = String;
    fn try_from(v: f64) -> Result<Self, String> {
        if (0.0..=100.0).contains(&v) {
            Ok(Percent(v))
        } else {
            Err(format!("expected a percentage from 0 to 100, found {v}"))
        }
    }
}

impl From<Percent> for f64 {
    fn from(p: Percent) -> f64 {
        p.0
    }
}

/// Digits after the decimal point, 0 to 10.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Precision(u8);

impl Precision {
    pub fn get(self) -> usize {
        usize::from(self.0)
    }
}

impl TryFrom<i64> for Precision {
    type Error = String;
    fn try_from(v: i64) -> Result<Self, String> {
        u8::try_from(v)
            .ok()
            .filter(|d| *d <= 10)
            .map(Precision)
            .ok_or_else(|| format!("expected a number of digits from 0 to 10, found {v}"))
    }
}

impl From<Precision> for i64 {
    fn from(p: Precision) -> i64 {
        i64::from(p.0)
    }
}

/// A glob of `prowcov diff` (`*` stays within a directory, `**` crosses), checked for syntax.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Glob(String);

impl Glob {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Glob {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        globset::GlobBuilder::new(&s)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("invalid glob `{s}`: {}", e.kind()))?;
        Ok(Glob(s))
    }
}

impl From<Glob> for String {
    fn from(g: Glob) -> String {
        g.0
    }
}

/// An `http://` or `https://` URL with a host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HttpUrl(String);

impl HttpUrl {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for HttpUrl {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
        match rest {
            Some(rest) if !rest.is_empty() && !rest.starts_with('/') && !s.contains(char::is_whitespace) => {
                Ok(HttpUrl(s.trim_end_matches('/').to_owned()))
            }
            _ => Err(format!("expected an http:// or https:// URL with a host, found `{s}`")),
        }
    }
}

impl From<HttpUrl> for String {
    fn from(u: HttpUrl) -> String {
        u.0
    }
}

/// Where baselines are stored: `gs://`, `s3://`, `file://` or a plain folder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StorageUrl(String);

impl StorageUrl {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for StorageUrl {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s.is_empty() {
            return Err("expected gs://BUCKET/PREFIX, s3://BUCKET/PREFIX, file://PATH or a folder, found ``".into());
        }
        match s.split_once("://") {
            None => Ok(StorageUrl(s)),
            Some(("gs" | "s3", rest)) if !rest.is_empty() && !rest.starts_with('/') => Ok(StorageUrl(s)),
            Some(("file", rest)) if !rest.is_empty() => Ok(StorageUrl(s)),
            Some(_) => Err(format!(
                "expected gs://BUCKET/PREFIX, s3://BUCKET/PREFIX, file://PATH or a folder, found `{s}`"
            )),
        }
    }
}

impl From<StorageUrl> for String {
    fn from(u: StorageUrl) -> String {
        u.0
    }
}

/// The placeholders a [`LinkTemplate`] may use.
pub const PLACEHOLDERS: &[&str] = &["bucket", "path", "job", "build"];

/// An http(s) URL template with `{bucket}`, `{path}`, `{job}` and `{build}` placeholders, for example gcsweb's
/// `https://gcsweb.k8s.io/gcs/{bucket}/{path}`, Spyglass's `https://prow.k8s.io/view/gs/{bucket}/{path}` or the
/// plain `https://storage.googleapis.com/{bucket}/{path}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LinkTemplate(String);

/// The values for a [`LinkTemplate`]'s placeholders.
#[derive(Clone, Copy, Debug, Default)]
pub struct LinkVars<'a> {
    pub bucket: &'a str,
    /// The object's path in the bucket (no leading `/`).
    pub path: &'a str,
    pub job: &'a str,
    pub build: &'a str,
}

impl LinkTemplate {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL with every placeholder replaced.
    pub fn expand(&self, vars: &LinkVars<'_>) -> String {
        let mut out = String::with_capacity(self.0.len() + vars.path.len());
        let mut rest = self.0.as_str();
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            let Some(end) = after.find('}') else { break };
            out.push_str(match &after[..end] {
                "bucket" => vars.bucket,
                "path" => vars.path.trim_start_matches('/'),
                "job" => vars.job,
                "build" => vars.build,
                _ => "",
            });
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }
}

impl TryFrom<String> for LinkTemplate {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let mut rest = s.as_str();
        loop {
            let open = rest.find('{');
            let close = rest.find('}');
            match (open, close) {
                (None, None) => break,
                (Some(o), Some(c)) if o < c => {
                    let name = &rest[o + 1..c];
                    if !PLACEHOLDERS.contains(&name) {
                        return Err(format!(
                            "unknown placeholder `{{{name}}}` in `{s}`; expected {{bucket}}, {{path}}, {{job}} or {{build}}"
                        ));
                    }
                    rest = &rest[c + 1..];
                }
                _ => return Err(format!("unbalanced `{{` or `}}` in `{s}`")),
            }
        }
        HttpUrl::try_from(s.clone())?;
        Ok(LinkTemplate(s))
    }
}

impl From<LinkTemplate> for String {
    fn from(t: LinkTemplate) -> String {
        t.0
    }
}

/// Values given on the command line; each one set replaces the layers below it.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `--storage`.
    pub storage: Option<String>,
    /// `--job` (of the `baseline` subcommands).
    pub postsubmit_job: Option<String>,
    /// `--min-patch`, `--max-drop`, `--min-file`.
    pub min_patch: Option<f64>,
    pub max_drop: Option<f64>,
    pub min_file: Option<f64>,
    /// `--include`, `--exclude`: replace the file's list when not empty.
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// `--github-url`, `--github-token-file`, `--bot-login`.
    pub github_url: Option<String>,
    pub token_file: Option<PathBuf>,
    pub bot_login: Option<String>,
    /// `--precision`.
    pub precision: Option<usize>,
    /// `--status`: set the commit status (a flag can only switch it on).
    pub status: bool,
}

/// Which file the configuration came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// No file: defaults (plus environment and flags).
    None,
    /// A prowcov file (`.prowcov.toml`, or any file given with `--config`): the whole file.
    File(PathBuf),
    /// The `[tool.prowcov]` table of a `pyproject.toml`.
    Pyproject(PathBuf),
}

impl Source {
    pub fn path(&self) -> Option<&Path> {
        match self {
            Source::None => None,
            Source::File(p) | Source::Pyproject(p) => Some(p),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::None => f.write_str("none (defaults)"),
            Source::File(p) => write!(f, "{}", p.display()),
            Source::Pyproject(p) => write!(f, "{} [tool.prowcov]", p.display()),
        }
    }
}

/// The layer a key's effective value came from (defaults are not recorded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    File,
    Env(&'static str),
    Flag(&'static str),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File => f.write_str("file"),
            Origin::Env(var) => write!(f, "env {var}"),
            Origin::Flag(flag) => write!(f, "flag {flag}"),
        }
    }
}

/// The effective configuration and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedConfig {
    pub config: Config,
    pub source: Source,
    /// For each `section.key` not left at its default, the layer that set it last.
    pub origins: BTreeMap<&'static str, Origin>,
}

impl Config {
    /// Finds the configuration for the repository at `root` (or reads `explicit`), then applies the environment
    /// (`env` looks a variable up; pass `&|v| std::env::var(v).ok()` for the process's).
    ///
    /// Discovery: `explicit` if given (a file named `pyproject.toml` is read for its `[tool.prowcov]` table, which
    /// must exist); else `<root>/.prowcov.toml`; else `[tool.prowcov]` in `<root>/pyproject.toml`; else defaults.
    pub fn load(root: &Path, explicit: Option<&Path>, env: &dyn Fn(&str) -> Option<String>) -> Result<LoadedConfig> {
        let mut loaded = match explicit {
            Some(path) => read_file(path, true)?.ok_or_else(|| {
                Error::config(
                    Some(path),
                    None,
                    "has no [tool.prowcov] table (a pyproject.toml given with --config)",
                )
            })?,
            None => discover(root)?,
        };
        for &(var, key) in ENV_VARS {
            let Some(value) = env(var).filter(|v| !v.is_empty()) else {
                continue;
            };
            loaded
                .config
                .set_str(key, &value)
                .map_err(|e| Error::config(None, None, format!("environment variable {var} ({key}): {e}")))?;
            loaded.origins.insert(key, Origin::Env(var));
        }
        Ok(loaded)
    }

    /// Parses a prowcov file's text (`path` only names it in errors).
    pub fn from_toml(text: &str, path: &Path) -> Result<Config> {
        parse_toml(text, path).map(|(config, _)| config)
    }

    /// Sets a string-valued key from its text, validated as the file's value is.
    fn set_str(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "storage.url" => self.storage.url = StorageUrl::try_from(value.to_owned())?,
            "storage.postsubmit-job" => self.storage.postsubmit_job = Some(value.to_owned()),
            "bot.github-url" => self.bot.github_url = HttpUrl::try_from(value.to_owned())?,
            "bot.token-file" => self.bot.token_file = Some(PathBuf::from(value)),
            "bot.login" => self.bot.login = Some(value.to_owned()),
            "run.runner" => {
                self.run.runner = Runner::parse(value)
                    .ok_or_else(|| format!("expected auto, python, go, command or none, found `{value}`"))?;
            }
            _ => return Err(format!("`{key}` cannot be set from a string")),
        }
        Ok(())
    }
}

impl LoadedConfig {
    /// Applies the command line, the top layer. A bad value is a usage error naming the flag.
    pub fn apply_flags(&mut self, flags: &Overrides) -> Result<()> {
        let usage = |flag: &str, e: String| Error::Usage(format!("{flag}: {e}"));
        let strings: [(&'static str, &'static str, Option<&String>); 4] = [
            ("--storage", "storage.url", flags.storage.as_ref()),
            ("--job", "storage.postsubmit-job", flags.postsubmit_job.as_ref()),
            ("--github-url", "bot.github-url", flags.github_url.as_ref()),
            ("--bot-login", "bot.login", flags.bot_login.as_ref()),
        ];
        for (flag, key, value) in strings {
            if let Some(value) = value {
                self.config.set_str(key, value).map_err(|e| usage(flag, e))?;
                self.origins.insert(key, Origin::Flag(flag));
            }
        }
        if let Some(path) = &flags.token_file {
            self.config.bot.token_file = Some(path.clone());
            self.origins
                .insert("bot.token-file", Origin::Flag("--github-token-file"));
        }
        let gates: [(&'static str, &'static str, Option<f64>); 3] = [
            ("--min-patch", "gate.min-patch", flags.min_patch),
            ("--max-drop", "gate.max-drop", flags.max_drop),
            ("--min-file", "gate.min-file", flags.min_file),
        ];
        for (flag, key, value) in gates {
            let Some(value) = value else { continue };
            let pct = Some(Percent::try_from(value).map_err(|e| usage(flag, e))?);
            let gate = &mut self.config.gate;
            match key {
                "gate.min-patch" => gate.min_patch = pct,
                "gate.max-drop" => gate.max_drop = pct,
                _ => gate.min_file = pct,
            }
            self.origins.insert(key, Origin::Flag(flag));
        }
        let globs = |flag: &str, list: &[String]| -> Result<Vec<Glob>> {
            list.iter()
                .map(|g| Glob::try_from(g.clone()).map_err(|e| usage(flag, e)))
                .collect()
        };
        if !flags.include.is_empty() {
            self.config.paths.include = globs("--include", &flags.include)?;
            self.origins.insert("paths.include", Origin::Flag("--include"));
        }
        if !flags.exclude.is_empty() {
            self.config.paths.exclude = globs("--exclude", &flags.exclude)?;
            self.origins.insert("paths.exclude", Origin::Flag("--exclude"));
        }
        if flags.status {
            self.config.bot.status = true;
            self.origins.insert("bot.status", Origin::Flag("--status"));
        }
        if let Some(p) = flags.precision {
            let p = i64::try_from(p).unwrap_or(i64::MAX);
            self.config.report.precision = Precision::try_from(p).map_err(|e| usage("--precision", e))?;
            self.origins.insert("report.precision", Origin::Flag("--precision"));
        }
        Ok(())
    }

    /// The effective settings as TOML: every key in [`KEYS`] order, unset ones as comments, each non-default value
    /// followed by the layer that set it. Deterministic; holds no secret.
    pub fn dump(&self) -> Result<String> {
        let table = toml::Table::try_from(&self.config)
            .map_err(|e| Error::config(None, None, format!("cannot print the configuration: {e}")))?;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# prowcov: the effective configuration (defaults < file < environment < flags)"
        );
        let _ = writeln!(out, "# file: {}", self.source);
        let mut section = "";
        for key in KEYS {
            let Some((sec, name)) = key.split_once('.') else {
                continue;
            };
            if sec != section {
                let _ = writeln!(out, "\n[{sec}]");
                section = sec;
            }
            let value = table.get(sec).and_then(|s| s.get(name));
            match (value, self.origins.get(key)) {
                (Some(v), Some(origin)) => {
                    let _ = writeln!(out, "{name} = {v}  # {origin}");
                }
                (Some(v), None) => {
                    let _ = writeln!(out, "{name} = {v}");
                }
                (None, _) => {
                    let _ = writeln!(out, "# {name}: not set");
                }
            }
        }
        #[derive(Serialize)]
        struct Views<'a> {
            #[serde(skip_serializing_if = "<[_]>::is_empty")]
            suites: &'a [Suite],
            #[serde(skip_serializing_if = "<[_]>::is_empty")]
            components: &'a [Component],
        }
        let views = Views {
            suites: &self.config.suites,
            components: &self.config.components,
        };
        if !views.suites.is_empty() || !views.components.is_empty() {
            let text = toml::to_string(&views)
                .map_err(|e| Error::config(None, None, format!("cannot print the configuration: {e}")))?;
            let _ = write!(out, "\n# file\n{text}");
        }
        Ok(out)
    }
}

fn discover(root: &Path) -> Result<LoadedConfig> {
    let own = root.join(FILE_NAME);
    if own.is_file()
        && let Some(loaded) = read_file(&own, false)?
    {
        return Ok(loaded);
    }
    let pyproject = root.join("pyproject.toml");
    if pyproject.is_file()
        && let Some(loaded) = read_file(&pyproject, false)?
    {
        return Ok(loaded);
    }
    Ok(LoadedConfig {
        config: Config::default(),
        source: Source::None,
        origins: BTreeMap::new(),
    })
}

/// Reads one file; `Ok(None)` for a `pyproject.toml` without `[tool.prowcov]`.
fn read_file(path: &Path, explicit: bool) -> Result<Option<LoadedConfig>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        let what = if explicit { "--config: " } else { "" };
        Error::config(Some(path), None, format!("{what}cannot read it: {e}"))
    })?;
    let is_pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
    if !is_pyproject {
        let (config, keys) = parse_toml(&text, path)?;
        return Ok(Some(loaded(config, Source::File(path.to_path_buf()), &keys)));
    }
    #[derive(Deserialize)]
    struct Pyproject {
        #[serde(default)]
        tool: Option<Tool>,
    }
    #[derive(Deserialize)]
    struct Tool {
        #[serde(default)]
        prowcov: Option<Config>,
    }
    let table = parse_table(&text, path)?;
    let Some(raw) = table.get("tool").and_then(|t| t.get("prowcov")) else {
        return Ok(None);
    };
    let keys = set_keys(raw);
    let doc: Pyproject = toml::from_str(&text).map_err(|e| de_error(&e, &text, path))?;
    let config = doc.tool.and_then(|t| t.prowcov).unwrap_or_default();
    check_views(&config, &text, path)?;
    Ok(Some(loaded(config, Source::Pyproject(path.to_path_buf()), &keys)))
}

fn loaded(config: Config, source: Source, keys: &[String]) -> LoadedConfig {
    let origins = KEYS
        .iter()
        .filter(|k| keys.iter().any(|s| s == *k))
        .map(|k| (*k, Origin::File))
        .collect();
    LoadedConfig {
        config,
        source,
        origins,
    }
}

/// Parses a whole prowcov file; also returns the `section.key`s it sets.
fn parse_toml(text: &str, path: &Path) -> Result<(Config, Vec<String>)> {
    let table = parse_table(text, path)?;
    let config: Config = toml::from_str(text).map_err(|e| de_error(&e, text, path))?;
    check_views(&config, text, path)?;
    Ok((config, set_keys(&toml::Value::Table(table))))
}

/// Checks what the types cannot: `[[suites]]` and `[[components]]` names unique, a runner each suite can use with
/// what it needs, components with paths. The error names the file and the line of the table's `name`.
fn check_views(config: &Config, text: &str, path: &Path) -> Result<()> {
    // The line of the `occurrence`-th (0-based) `name = "<name>"`.
    let line_of = |name: &str, occurrence: usize| -> Option<u64> {
        text.lines()
            .enumerate()
            .filter(|(_, l)| {
                l.split_once('=')
                    .is_some_and(|(k, v)| k.trim() == "name" && v.trim().trim_matches(['"', '\'']) == name)
            })
            .nth(occurrence)
            .map(|(i, _)| i as u64 + 1)
    };
    let error = |kind: &str, name: &str, occurrence: usize, what: String| {
        Error::config(
            Some(path),
            line_of(name, occurrence),
            format!("[[{kind}]] {name}: {what}"),
        )
    };
    let mut seen = BTreeMap::new();
    for suite in &config.suites {
        let name = suite.name.as_str();
        let count = seen.entry(name.to_owned()).or_insert(0);
        *count += 1;
        if *count > 1 {
            return Err(error(
                "suites",
                name,
                1,
                "the name is used by another suite; names must be unique".into(),
            ));
        }
        match suite.runner {
            Runner::Auto => {
                return Err(error(
                    "suites",
                    name,
                    0,
                    "runner \"auto\" is not a suite runner; expected python, go, command or none".into(),
                ));
            }
            Runner::Command if suite.command.is_empty() => {
                return Err(error("suites", name, 0, "runner \"command\" needs `command`".into()));
            }
            Runner::Command | Runner::None if suite.profiles.is_empty() => {
                return Err(error(
                    "suites",
                    name,
                    0,
                    "this runner reads the coverage files the suite writes: set `profiles`".into(),
                ));
            }
            _ => {}
        }
    }
    let mut seen = BTreeMap::new();
    for component in &config.components {
        let name = component.name.as_str();
        let count = seen.entry(name.to_owned()).or_insert(0);
        *count += 1;
        if *count > 1 {
            return Err(error(
                "components",
                name,
                1,
                "the name is used by another component; names must be unique".into(),
            ));
        }
        if name == OTHER_COMPONENT {
            return Err(error(
                "components",
                name,
                0,
                "`other` is reserved for the files in no component".into(),
            ));
        }
        if component.paths.is_empty() {
            return Err(error(
                "components",
                name,
                0,
                "set `paths`, the globs of its files".into(),
            ));
        }
    }
    Ok(())
}

/// The row of the files in no component, when components exist.
pub const OTHER_COMPONENT: &str = "other";

fn parse_table(text: &str, path: &Path) -> Result<toml::Table> {
    text.parse::<toml::Table>().map_err(|e| de_error(&e, text, path))
}

/// The `section.key` pairs a prowcov table sets.
fn set_keys(raw: &toml::Value) -> Vec<String> {
    let Some(table) = raw.as_table() else {
        return Vec::new();
    };
    table
        .iter()
        .filter_map(|(sec, v)| v.as_table().map(|t| (sec, t)))
        .flat_map(|(sec, t)| t.keys().map(move |k| format!("{sec}.{k}")))
        .collect()
}

/// A TOML error as a configuration error: the file, the line from the span, the section the line is in, and the
/// message without toml's own location header.
fn de_error(e: &toml::de::Error, text: &str, path: &Path) -> Error {
    let Some(span) = e.span() else {
        return Error::config(Some(path), None, e.message().to_owned());
    };
    let start = span.start.min(text.len());
    let line = text[..start].matches('\n').count() as u64 + 1;
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let current = text[line_start..].lines().next().unwrap_or("").trim();
    let in_header = current.starts_with('[');
    let header = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('[') && l.ends_with(']'))
        .filter(|_| !in_header);
    let key = current
        .split_once('=')
        .map(|(k, _)| k.trim())
        .filter(|k| !k.is_empty() && !in_header);
    let mut message = e.message().trim_end().replace("unknown field", "unknown key");
    if message.starts_with("unknown key `token`") {
        message.push_str("; put the token in a file and name it with `token-file`");
    }
    let named = |k: &str| message.contains(&format!("`{k}`"));
    let prefix = match (header, key) {
        (Some(h), Some(k)) if !named(k) => format!("{h} {k}: "),
        (Some(h), _) => format!("{h}: "),
        (None, Some(k)) if !named(k) => format!("{k}: "),
        (None, _) => String::new(),
    };
    Error::config(Some(path), Some(line), format!("{prefix}{message}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config> {
        Config::from_toml(text, Path::new("p.toml"))
    }

    #[test]
    fn empty_file_is_the_defaults() {
        assert_eq!(parse("").unwrap(), Config::default());
    }

    #[test]
    fn every_section_rejects_unknown_keys() {
        for sec in ["run", "paths", "gate", "storage", "links", "bot", "report"] {
            let e = parse(&format!("[{sec}]\nbogus = 1\n")).unwrap_err().to_string();
            assert!(e.starts_with(&format!("p.toml:2: [{sec}]: unknown key `bogus`")), "{e}");
        }
        let e = parse("bogus = 1\n").unwrap_err().to_string();
        assert!(e.starts_with("p.toml:1: unknown key `bogus`"), "{e}");
    }

    #[test]
    fn a_token_key_gets_a_hint() {
        let e = parse("[bot]\ntoken = \"x\"\n").unwrap_err().to_string();
        assert!(e.contains("token-file"), "{e}");
    }

    #[test]
    fn values_are_validated_with_key_and_line() {
        let cases = [
            (
                "[gate]\nmin-patch = 120\n",
                "p.toml:2: [gate] min-patch: expected a percentage",
            ),
            (
                "[gate]\nmax-drop = -1.5\n",
                "p.toml:2: [gate] max-drop: expected a percentage",
            ),
            (
                "[run]\nrunner = \"ruby\"\n",
                "p.toml:2: [run] runner: unknown variant `ruby`",
            ),
            (
                "[bot]\ngithub-url = \"ftp://x\"\n",
                "p.toml:2: [bot] github-url: expected an http://",
            ),
            (
                "[storage]\nurl = \"azure://x\"\n",
                "p.toml:2: [storage] url: expected gs://",
            ),
            (
                "[links]\nbuild = \"https://x/{nope}\"\n",
                "p.toml:2: [links] build: unknown placeholder `{nope}`",
            ),
            (
                "[paths]\ninclude = [\"a/[b\"]\n",
                "p.toml:2: [paths] include: invalid glob",
            ),
            (
                "[report]\nprecision = 11\n",
                "p.toml:2: [report] precision: expected a number of digits",
            ),
        ];
        for (text, want) in cases {
            let e = parse(text).unwrap_err();
            assert_eq!(e.exit_code(), crate::error::exit::CONFIG);
            assert!(e.to_string().starts_with(want), "{text:?}: {e}");
        }
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let e = parse("[gate]\nmin-patch = 80\nmax-drop = = 1\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("p.toml:3: "), "{e}");
    }

    #[test]
    fn link_templates_expand() {
        let t = LinkTemplate::try_from("https://gcsweb.k8s.io/gcs/{bucket}/{path}#{job}-{build}".to_owned()).unwrap();
        let vars = LinkVars {
            bucket: "b",
            path: "/pr-logs/1/x",
            job: "j",
            build: "7",
        };
        assert_eq!(t.expand(&vars), "https://gcsweb.k8s.io/gcs/b/pr-logs/1/x#j-7");
        assert!(LinkTemplate::try_from("https://x/{bucket".to_owned()).is_err());
        assert!(LinkTemplate::try_from("/{bucket}".to_owned()).is_err());
    }

    #[test]
    fn keys_list_matches_the_structs() {
        let full = r#"
            [run]
            runner = "go"
            command = ["make", "test"]
            profiles = ["cover/*.out"]
            go-packages = ["./pkg/..."]
            main-branch = "develop"
            parallel-suites = 2
            [paths]
            include = ["src/**"]
            exclude = ["**/*_test.go"]
            [gate]
            min-patch = 80
            max-drop = 1
            min-file = 50
            [storage]
            url = "gs://b/p"
            postsubmit-job = "post"
            use-failed-baselines = true
            max-walk = 10
            [links]
            artifacts = "https://gcsweb.k8s.io/gcs/{bucket}/{path}"
            build = "https://prow.k8s.io/view/gs/{bucket}/{path}"
            [bot]
            github-url = "https://ghe.example.com/api/v3"
            token-file = "/etc/github/token"
            login = "bot"
            status = true
            [report]
            precision = 1
        "#;
        let config = parse(full).unwrap();
        let table = toml::Table::try_from(&config).unwrap();
        let mut keys = set_keys(&toml::Value::Table(table));
        keys.sort();
        let mut want: Vec<String> = KEYS.iter().map(|k| k.to_string()).collect();
        want.sort();
        assert_eq!(keys, want);
    }
}
