//! coverage.py configuration: discovery (`--rcfile`/`COVERAGE_RCFILE`, `.coveragerc`, `.coveragerc.toml`,
//! `setup.cfg`, `tox.ini`, `pyproject.toml`; the first file with coverage settings wins), parsing with coverage.py's
//! types and environment expansion, and the settings prowcov uses.
//!
//! Layers, lowest first: defaults < the file < environment (`COVERAGE_FILE`) < command-line flags, which the caller
//! applies to the returned value. Every option coverage.py knows is type-checked, as coverage.py does, even those
//! prowcov ignores, so a file coverage.py rejects is rejected here too; unknown options only warn, as there.

use std::path::{Path, PathBuf};

use crate::analysis::filter::Unmeasured;
use crate::error::{Error, Result};
use crate::python::expand::{Env, substitute};
use crate::python::globs;
use crate::python::ini::{Ini, py_strip};
use crate::python::paths::PathAliases;
use crate::python::pypath::{self, abspath};

/// The coverage.py settings prowcov needs.
#[derive(Clone, Debug, PartialEq)]
pub struct CoverageConfig {
    /// The file the settings came from (absolute), if any.
    pub config_file: Option<PathBuf>,
    /// The directory the configuration was looked up from; relative paths below are relative to it.
    pub cwd: PathBuf,
    /// `[run] data_file`, with `COVERAGE_FILE` applied; relative to `cwd`.
    pub data_file: PathBuf,
    /// `[run] relative_files`.
    pub relative_files: bool,
    /// `[run] branch`.
    pub branch: bool,
    /// `[run] parallel` (forced on by `[run] patch = subprocess`, as coverage.py does).
    pub parallel: bool,
    /// `[run] source`; `None` when not set.
    pub source: Option<Vec<String>>,
    /// `[run] source_pkgs`.
    pub source_pkgs: Vec<String>,
    /// `[run] source_dirs`.
    pub source_dirs: Vec<String>,
    /// `[run] include` / `omit` (globs).
    pub run_include: Vec<String>,
    pub run_omit: Vec<String>,
    /// `[paths]` entries in file order: name, then the values (the first is the result).
    pub paths: Vec<(String, Vec<String>)>,
    /// `[report] precision`.
    pub precision: usize,
    /// `[report] fail_under`.
    pub fail_under: f64,
    /// `[report] include` / `omit` (globs); `None` when not set.
    pub report_include: Option<Vec<String>>,
    pub report_omit: Option<Vec<String>>,
    /// `[report] exclude_lines` (coverage.py's defaults unless set) followed by `exclude_also`.
    pub exclude_lines: Vec<String>,
    /// `[report] partial_branches` (defaults unless set) followed by `partial_also`.
    pub partial_branches: Vec<String>,
    /// `[report] partial_branches_always`.
    pub partial_branches_always: Vec<String>,
    /// `[report] show_missing`, `skip_covered`, `skip_empty`, `ignore_errors`.
    pub show_missing: bool,
    pub skip_covered: bool,
    pub skip_empty: bool,
    pub ignore_errors: bool,
    /// `[report] sort` and `format`.
    pub sort: Option<String>,
    pub format: Option<String>,
    /// `[html] directory`, `[xml] output`, `[json] output`, `[lcov] output`.
    pub html_dir: String,
    pub xml_output: String,
    pub json_output: String,
    pub lcov_output: String,
    /// Warnings coverage.py would print (unknown options), for the caller to show.
    pub warnings: Vec<String>,
}

impl CoverageConfig {
    /// The files `[run] omit` and `[report] omit` leave unmeasured, as rules for the change analysis. Patterns are
    /// prepared as coverage.py does (`prep_patterns`): each as written, plus, unless it starts with a wildcard, made
    /// absolute against `root`; they match the absolute path.
    pub fn unmeasured(&self, root: &Path) -> Result<Vec<Unmeasured>> {
        // coverage.py's absolute paths have symlinks resolved.
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let root = root.as_path();
        let mut rules = Vec::new();
        for (section, patterns) in [("run", Some(&self.run_omit)), ("report", self.report_omit.as_ref())] {
            for pattern in patterns.into_iter().flatten() {
                let mut prepped = vec![pattern.clone()];
                if !pattern.starts_with(['*', '?']) {
                    prepped.push(pypath::abs_file(pattern, root));
                }
                let regex = globs::globs_to_regex(prepped.iter().map(String::as_str), false, false)?;
                rules.push(Unmeasured::new(
                    regex,
                    Some(root.to_path_buf()),
                    format!("coverage.py's `[{section}] omit` has `{pattern}`"),
                ));
            }
        }
        Ok(rules)
    }
}

/// coverage.py's default `exclude_lines`.
pub const DEFAULT_EXCLUDE: &[&str] = &[
    r"#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(cover|COVER)",
    r"^\s*(((async )?def .*?)?[\])]+(\s*->.*?)?:\s*)?\.\.\.\s*(#|$)",
    r"^\s*if (typing\.)?TYPE_CHECKING:",
];
/// coverage.py's default `partial_branches`.
pub const DEFAULT_PARTIAL: &[&str] = &[r"#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(branch|BRANCH)"];
/// coverage.py's default `partial_branches_always`.
pub const DEFAULT_PARTIAL_ALWAYS: &[&str] = &[r"^\s*while (True|1|False|0):", r"^\s*if (True|1|False|0):"];

impl Default for CoverageConfig {
    fn default() -> Self {
        let strings = |s: &[&str]| s.iter().map(|s| s.to_string()).collect();
        CoverageConfig {
            config_file: None,
            cwd: PathBuf::from("."),
            data_file: PathBuf::from(".coverage"),
            relative_files: false,
            branch: false,
            parallel: false,
            source: None,
            source_pkgs: Vec::new(),
            source_dirs: Vec::new(),
            run_include: Vec::new(),
            run_omit: Vec::new(),
            paths: Vec::new(),
            precision: 0,
            fail_under: 0.0,
            report_include: None,
            report_omit: None,
            exclude_lines: strings(DEFAULT_EXCLUDE),
            partial_branches: strings(DEFAULT_PARTIAL),
            partial_branches_always: strings(DEFAULT_PARTIAL_ALWAYS),
            show_missing: false,
            skip_covered: false,
            skip_empty: false,
            ignore_errors: false,
            sort: None,
            format: None,
            html_dir: "htmlcov".into(),
            xml_output: "coverage.xml".into(),
            json_output: "coverage.json".into(),
            lcov_output: "coverage.lcov".into(),
            warnings: Vec::new(),
        }
    }
}

impl CoverageConfig {
    /// The `[paths]` rules, in file order (entry, then pattern), resolved against `cwd`.
    pub fn aliases(&self) -> Result<PathAliases> {
        let mut aliases = PathAliases::with_cwd(self.relative_files, &self.cwd);
        for (_, values) in &self.paths {
            let Some((result, patterns)) = values.split_first() else {
                continue;
            };
            for pattern in patterns {
                aliases.add(pattern, result).map_err(|e| match e {
                    Error::Config {
                        path: None, message, ..
                    } => Error::config(self.config_file.as_deref(), None, message),
                    other => other,
                })?;
            }
        }
        Ok(aliases)
    }
}

/// Finds and reads the configuration the way coverage.py does, from `cwd`, with the environment `env`.
pub fn load(rcfile: Option<&Path>, cwd: &Path, env: &crate::env::Env) -> Result<CoverageConfig> {
    load_with_env(rcfile, cwd, &|name| env.var(name))
}

/// [`load`] with an explicit environment (for `$VAR` expansion, `COVERAGE_FILE`, `COVERAGE_RCFILE`, `HOME`).
pub fn load_with_env(rcfile: Option<&Path>, cwd: &Path, env: Env<'_>) -> Result<CoverageConfig> {
    // Everything below resolves against `cwd` lexically, which needs it absolute.
    let cwd = &std::path::absolute(cwd).unwrap_or_else(|_| cwd.to_path_buf());
    let mut config = CoverageConfig {
        cwd: cwd.to_path_buf(),
        ..CoverageConfig::default()
    };
    // Like coverage.py, `--rcfile=.coveragerc` means the default search, where a missing file is no error.
    let specified = match rcfile {
        Some(p) if p != Path::new(".coveragerc") => Some(p.to_path_buf()),
        Some(_) => None,
        None => env("COVERAGE_RCFILE").filter(|v| !v.is_empty()).map(PathBuf::from),
    };
    let is_specified = specified.is_some();
    let candidates = [
        (
            specified.unwrap_or_else(|| PathBuf::from(".coveragerc")),
            true,
            is_specified,
        ),
        (PathBuf::from(".coveragerc.toml"), true, false),
        (PathBuf::from("setup.cfg"), false, false),
        (PathBuf::from("tox.ini"), false, false),
        (PathBuf::from("pyproject.toml"), false, false),
    ];
    let mut exclude_also = Vec::new();
    let mut partial_also = Vec::new();
    let mut patch = Vec::new();
    let mut concurrency = Vec::new();
    for (name, our_file, specified) in candidates {
        let path = cwd.join(&name);
        let Some(file) = ConfigFile::read(&path, &name, our_file, env)? else {
            if specified {
                return Err(Error::config(
                    Some(&name),
                    None,
                    "cannot read it as a config file (missing or unreadable)",
                ));
            }
            continue;
        };
        let mut sink = Sink {
            config: &mut config,
            exclude_also: &mut exclude_also,
            partial_also: &mut partial_also,
            patch: &mut patch,
            concurrency: &mut concurrency,
        };
        if file.apply(&mut sink)? || our_file {
            config.config_file = Some(PathBuf::from(abspath(&path.to_string_lossy(), cwd)));
            break;
        }
    }
    if let Some(data_file) = env("COVERAGE_FILE").filter(|v| !v.is_empty()) {
        config.data_file = PathBuf::from(data_file);
    }
    config.exclude_lines.extend(exclude_also);
    config.partial_branches.extend(partial_also);
    if patch.iter().any(|p| p == "subprocess") {
        config.parallel = true;
    }
    check_concurrency(&concurrency, config.config_file.as_deref())?;
    let home = env("HOME");
    for (_, values) in &mut config.paths {
        for v in values.iter_mut() {
            *v = expand_user(v, home.as_deref());
        }
    }
    Ok(config)
}

const CONCURRENCY_CHOICES: &[&str] = &["thread", "gevent", "greenlet", "eventlet", "multiprocessing"];
const LIGHT_THREADS: &[&str] = &["greenlet", "eventlet", "gevent"];

fn check_concurrency(concurrency: &[String], file: Option<&Path>) -> Result<()> {
    let mut unknown: Vec<&str> = concurrency
        .iter()
        .map(String::as_str)
        .filter(|c| !CONCURRENCY_CHOICES.contains(c))
        .collect();
    unknown.sort_unstable();
    unknown.dedup();
    if !unknown.is_empty() {
        return Err(Error::config(
            file,
            None,
            format!(
                "[run] concurrency: expected some of {}, found {}",
                CONCURRENCY_CHOICES.join(", "),
                unknown.join(", ")
            ),
        ));
    }
    let mut light: Vec<&str> = concurrency
        .iter()
        .map(String::as_str)
        .filter(|c| LIGHT_THREADS.contains(c))
        .collect();
    light.sort_unstable();
    light.dedup();
    if light.len() > 1 {
        return Err(Error::config(
            file,
            None,
            format!("[run] concurrency: conflicting settings {}", light.join(", ")),
        ));
    }
    Ok(())
}

/// `os.path.expanduser` for `~` and `~/...` (`~user` is left alone).
fn expand_user(path: &str, home: Option<&str>) -> String {
    match (path.strip_prefix('~'), home) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            let home = if home == "/" { "" } else { home.trim_end_matches('/') };
            let joined = format!("{home}{rest}");
            if joined.is_empty() { "/".to_string() } else { joined }
        }
        _ => path.to_string(),
    }
}

/// The values a file contributes that are combined with others after all files are read.
struct Sink<'a> {
    config: &'a mut CoverageConfig,
    exclude_also: &'a mut Vec<String>,
    partial_also: &'a mut Vec<String>,
    patch: &'a mut Vec<String>,
    concurrency: &'a mut Vec<String>,
}

/// How coverage.py reads an option (`getboolean`, `getint`, ...).
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Str,
    Bool,
    Int,
    Float,
    List,
    RegexList,
    File,
}

/// coverage.py's `CONFIG_FILE_OPTIONS`: section, option and type.
const OPTIONS: &[(&str, &str, Kind)] = &[
    ("run", "branch", Kind::Bool),
    ("run", "command_line", Kind::Str),
    ("run", "concurrency", Kind::List),
    ("run", "context", Kind::Str),
    ("run", "core", Kind::Str),
    ("run", "cover_pylib", Kind::Bool),
    ("run", "data_file", Kind::File),
    ("run", "debug", Kind::List),
    ("run", "debug_file", Kind::File),
    ("run", "disable_warnings", Kind::List),
    ("run", "dynamic_context", Kind::Str),
    ("run", "parallel", Kind::Bool),
    ("run", "patch", Kind::List),
    ("run", "plugins", Kind::List),
    ("run", "relative_files", Kind::Bool),
    ("run", "include", Kind::List),
    ("run", "omit", Kind::List),
    ("run", "sigterm", Kind::Bool),
    ("run", "source", Kind::List),
    ("run", "source_pkgs", Kind::List),
    ("run", "source_dirs", Kind::List),
    ("run", "timid", Kind::Bool),
    ("run", "_crash", Kind::Str),
    ("report", "exclude_lines", Kind::RegexList),
    ("report", "exclude_also", Kind::RegexList),
    ("report", "fail_under", Kind::Float),
    ("report", "format", Kind::Str),
    ("report", "ignore_errors", Kind::Bool),
    ("report", "include_namespace_packages", Kind::Bool),
    ("report", "partial_branches_always", Kind::RegexList),
    ("report", "partial_branches", Kind::RegexList),
    ("report", "partial_also", Kind::RegexList),
    ("report", "precision", Kind::Int),
    ("report", "contexts", Kind::List),
    ("report", "include", Kind::List),
    ("report", "omit", Kind::List),
    ("report", "show_missing", Kind::Bool),
    ("report", "skip_covered", Kind::Bool),
    ("report", "skip_empty", Kind::Bool),
    ("report", "sort", Kind::Str),
    ("html", "extra_css", Kind::Str),
    ("html", "directory", Kind::File),
    ("html", "skip_covered", Kind::Bool),
    ("html", "skip_empty", Kind::Bool),
    ("html", "title", Kind::Str),
    ("html", "show_contexts", Kind::Bool),
    ("xml", "output", Kind::File),
    ("xml", "package_depth", Kind::Int),
    ("json", "output", Kind::File),
    ("json", "pretty_print", Kind::Bool),
    ("json", "show_contexts", Kind::Bool),
    ("lcov", "output", Kind::File),
    ("lcov", "line_checksums", Kind::Bool),
];

/// A typed option value.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Str(String),
    Bool(bool),
    Int(i64),
    Float(f64),
    List(Vec<String>),
}

/// The two syntaxes coverage.py reads.
enum Syntax {
    Ini(Ini),
    Toml(toml::Table),
}

/// One candidate file, parsed.
struct ConfigFile<'e> {
    /// The name as given (relative to `cwd` unless absolute), used in messages.
    name: PathBuf,
    syntax: Syntax,
    /// A coverage-only file: its sections may omit the `coverage:` / `tool.coverage.` prefix.
    our_file: bool,
    env: Env<'e>,
}

/// A raw option as found: its section's real name, the line (INI only) and the value.
enum Raw<'a> {
    Ini(&'a str),
    Toml(&'a toml::Value),
}

struct Found<'a> {
    section: String,
    line: Option<u64>,
    raw: Raw<'a>,
}

impl<'e> ConfigFile<'e> {
    /// Reads and parses `path`; `None` when it cannot be read (missing, a directory), as configparser skips it.
    fn read(path: &Path, name: &Path, our_file: bool, env: Env<'e>) -> Result<Option<Self>> {
        let Ok(bytes) = std::fs::read(path) else {
            return Ok(None);
        };
        let text = String::from_utf8(bytes)
            .map_err(|e| Error::config(Some(name), None, format!("expected UTF-8 text: {e}")))?;
        let syntax = if name.extension().is_some_and(|e| e == "toml") {
            Syntax::Toml(parse_toml(&text, name)?)
        } else {
            Syntax::Ini(Ini::parse(&text, name)?)
        };
        Ok(Some(ConfigFile {
            name: name.to_path_buf(),
            syntax,
            our_file,
            env,
        }))
    }

    fn prefixes(&self) -> &'static [&'static str] {
        match (&self.syntax, self.our_file) {
            (Syntax::Ini(_), true) => &["coverage:", ""],
            (Syntax::Ini(_), false) => &["coverage:"],
            (Syntax::Toml(_), true) => &["tool.coverage.", ""],
            (Syntax::Toml(_), false) => &["tool.coverage."],
        }
    }

    /// The real name of `section` (with its prefix), the first that exists.
    fn real_section(&self, section: &str) -> Option<String> {
        self.prefixes()
            .iter()
            .map(|p| format!("{p}{section}"))
            .find(|real| match &self.syntax {
                Syntax::Ini(ini) => ini.has_section(real),
                Syntax::Toml(table) => toml_section(table, real).is_some(),
            })
    }

    /// The option names of `section`, in file order.
    fn options(&self, section: &str) -> Vec<String> {
        let Some(real) = self.real_section(section) else {
            return Vec::new();
        };
        match &self.syntax {
            Syntax::Ini(ini) => ini
                .options(&real)
                .unwrap_or_default()
                .into_iter()
                .map(|e| e.name.clone())
                .collect(),
            Syntax::Toml(table) => toml_section(table, &real)
                .map(|t| t.keys().cloned().collect())
                .unwrap_or_default(),
        }
    }

    fn find(&self, section: &str, option: &str) -> Option<Found<'_>> {
        let real = self.real_section(section)?;
        match &self.syntax {
            Syntax::Ini(ini) => ini.get(&real, option).map(|e| Found {
                section: real.clone(),
                line: Some(e.line),
                raw: Raw::Ini(&e.value),
            }),
            Syntax::Toml(table) => toml_section(table, &real)?.get(option).map(|v| Found {
                section: real.clone(),
                line: None,
                raw: Raw::Toml(v),
            }),
        }
    }

    /// Sets everything this file has into `sink`; returns whether it had any coverage setting.
    fn apply(&self, sink: &mut Sink<'_>) -> Result<bool> {
        let mut any_set = false;
        for &(section, option, kind) in OPTIONS {
            if let Some(found) = self.find(section, option) {
                let value = self.convert(&found, option, kind)?;
                store(sink, section, option, value);
                any_set = true;
            }
        }
        for section in ["run", "report", "html", "xml", "json", "lcov"] {
            let Some(real) = self.real_section(section) else {
                continue;
            };
            for option in self.options(section) {
                if !OPTIONS.iter().any(|&(s, o, _)| s == section && o == option) {
                    sink.config.warnings.push(format!(
                        "Unrecognized option '[{real}] {option}=' in config file {}",
                        self.name.display()
                    ));
                }
            }
        }
        if self.real_section("paths").is_some() {
            for name in self.options("paths") {
                if let Some(found) = self.find("paths", &name)
                    && let Value::List(values) = self.convert(&found, &name, Kind::List)?
                {
                    sink.config.paths.retain(|(n, _)| *n != name);
                    sink.config.paths.push((name, values));
                    any_set = true;
                }
            }
        }
        // A plugin's own section counts as coverage settings too.
        let plugins = self
            .find("run", "plugins")
            .map(|f| self.convert(&f, "plugins", Kind::List));
        if let Some(Ok(Value::List(plugins))) = plugins {
            any_set |= plugins.iter().any(|p| self.real_section(p).is_some());
        }
        Ok(any_set)
    }

    fn error(&self, found: &Found<'_>, option: &str, message: impl std::fmt::Display) -> Error {
        Error::config(
            Some(&self.name),
            found.line,
            format!("[{}] {option}: {message}", found.section),
        )
    }

    fn expand(&self, found: &Found<'_>, option: &str, text: &str) -> Result<String> {
        substitute(text, self.env).map_err(|u| {
            self.error(
                found,
                option,
                format!(
                    "expected the environment variable {} to be set (for \"${{{}?}}\")",
                    u.0, u.0
                ),
            )
        })
    }

    fn convert(&self, found: &Found<'_>, option: &str, kind: Kind) -> Result<Value> {
        match found.raw {
            Raw::Ini(text) => self.convert_ini(found, option, kind, text),
            Raw::Toml(value) => self.convert_toml(found, option, kind, value),
        }
    }

    fn convert_ini(&self, found: &Found<'_>, option: &str, kind: Kind, text: &str) -> Result<Value> {
        let text = self.expand(found, option, text)?;
        let bad = |what: &str| self.error(found, option, format!("expected {what}, found {text:?}"));
        Ok(match kind {
            Kind::Str => Value::Str(text.clone()),
            Kind::File => Value::Str(expand_user(&text, (self.env)("HOME").as_deref())),
            Kind::Bool => {
                Value::Bool(ini_bool(&text).ok_or_else(|| bad("a boolean (true/false, on/off, yes/no, 1/0)"))?)
            }
            Kind::Int => Value::Int(py_int(&text).ok_or_else(|| bad("an integer"))?),
            Kind::Float => Value::Float(py_float(&text).ok_or_else(|| bad("a number"))?),
            Kind::List => Value::List(
                text.split('\n')
                    .flat_map(|line| line.split(','))
                    .map(py_strip)
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
                    .collect(),
            ),
            Kind::RegexList => Value::List(
                text.lines()
                    .map(py_strip)
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
                    .collect(),
            ),
        })
    }

    fn convert_toml(&self, found: &Found<'_>, option: &str, kind: Kind, value: &toml::Value) -> Result<Value> {
        use toml::Value as T;
        let bad = |what: &str| self.error(found, option, format!("expected {what}, found {value}"));
        let expanded = |s: &str| self.expand(found, option, s);
        Ok(match (kind, value) {
            // coverage.py keeps a non-string value of a plain option as is; we keep its TOML text.
            (Kind::Str, T::String(s)) => Value::Str(expanded(s)?),
            (Kind::Str, other) => Value::Str(other.to_string()),
            (Kind::File, T::String(s)) => Value::Str(expand_user(&expanded(s)?, (self.env)("HOME").as_deref())),
            (Kind::File, _) => return Err(bad("a string")),
            (Kind::Bool, T::Boolean(b)) => Value::Bool(*b),
            (Kind::Bool, T::String(s)) => match expanded(s)?.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => return Err(bad("a boolean")),
            },
            (Kind::Bool, _) => return Err(bad("a boolean")),
            // Python's bool is an int, so coverage.py takes `true` as 1 here.
            (Kind::Int, T::Integer(i)) => Value::Int(*i),
            (Kind::Int, T::Boolean(b)) => Value::Int(i64::from(*b)),
            (Kind::Int, T::String(s)) => Value::Int(py_int(&expanded(s)?).ok_or_else(|| bad("an integer"))?),
            (Kind::Int, _) => return Err(bad("an integer")),
            (Kind::Float, T::Float(f)) => Value::Float(*f),
            (Kind::Float, T::Integer(i)) => Value::Float(*i as f64),
            (Kind::Float, T::Boolean(b)) => Value::Float(f64::from(u8::from(*b))),
            (Kind::Float, T::String(s)) => Value::Float(py_float(&expanded(s)?).ok_or_else(|| bad("a number"))?),
            (Kind::Float, _) => return Err(bad("a number")),
            (Kind::List | Kind::RegexList, T::Array(items)) => {
                let mut out = Vec::new();
                for item in items {
                    let T::String(s) = item else {
                        return Err(bad("a list of strings"));
                    };
                    let s = expanded(s)?;
                    // coverage.py drops blank regexes but keeps list items as they are.
                    if kind == Kind::List || !py_strip(&s).is_empty() {
                        out.push(if kind == Kind::RegexList {
                            py_strip(&s).to_string()
                        } else {
                            s
                        });
                    }
                }
                Value::List(out)
            }
            (Kind::List | Kind::RegexList, _) => return Err(bad("a list")),
        })
    }
}

/// Puts a converted value where it belongs; options prowcov does not use are only validated.
fn store(sink: &mut Sink<'_>, section: &str, option: &str, value: Value) {
    let c = &mut *sink.config;
    match (section, option, value) {
        ("run", "branch", Value::Bool(b)) => c.branch = b,
        ("run", "parallel", Value::Bool(b)) => c.parallel = b,
        ("run", "relative_files", Value::Bool(b)) => c.relative_files = b,
        ("run", "data_file", Value::Str(s)) => c.data_file = PathBuf::from(s),
        ("run", "source", Value::List(l)) => c.source = Some(l),
        ("run", "source_pkgs", Value::List(l)) => c.source_pkgs = l,
        ("run", "source_dirs", Value::List(l)) => c.source_dirs = l,
        ("run", "include", Value::List(l)) => c.run_include = l,
        ("run", "omit", Value::List(l)) => c.run_omit = l,
        ("run", "patch", Value::List(l)) => *sink.patch = l,
        ("run", "concurrency", Value::List(l)) => *sink.concurrency = l,
        ("report", "exclude_lines", Value::List(l)) => c.exclude_lines = l,
        ("report", "exclude_also", Value::List(l)) => *sink.exclude_also = l,
        ("report", "partial_branches", Value::List(l)) => c.partial_branches = l,
        ("report", "partial_also", Value::List(l)) => *sink.partial_also = l,
        ("report", "partial_branches_always", Value::List(l)) => c.partial_branches_always = l,
        ("report", "fail_under", Value::Float(f)) => c.fail_under = f,
        // A negative precision is as meaningless to coverage.py's formatting as to ours; treat it as 0.
        ("report", "precision", Value::Int(i)) => c.precision = usize::try_from(i).unwrap_or(0),
        ("report", "include", Value::List(l)) => c.report_include = Some(l),
        ("report", "omit", Value::List(l)) => c.report_omit = Some(l),
        ("report", "show_missing", Value::Bool(b)) => c.show_missing = b,
        ("report", "skip_covered", Value::Bool(b)) => c.skip_covered = b,
        ("report", "skip_empty", Value::Bool(b)) => c.skip_empty = b,
        ("report", "ignore_errors", Value::Bool(b)) => c.ignore_errors = b,
        ("report", "sort", Value::Str(s)) => c.sort = Some(s),
        ("report", "format", Value::Str(s)) => c.format = Some(s),
        ("html", "directory", Value::Str(s)) => c.html_dir = s,
        ("xml", "output", Value::Str(s)) => c.xml_output = s,
        ("json", "output", Value::Str(s)) => c.json_output = s,
        ("lcov", "output", Value::Str(s)) => c.lcov_output = s,
        _ => {}
    }
}

/// A dotted section (`tool.coverage.run`) of a TOML document, if it is a table.
fn toml_section<'a>(table: &'a toml::Table, dotted: &str) -> Option<&'a toml::Table> {
    let mut current = table;
    for part in dotted.split('.') {
        current = current.get(part)?.as_table()?;
    }
    Some(current)
}

fn parse_toml(text: &str, name: &Path) -> Result<toml::Table> {
    text.parse::<toml::Table>().map_err(|e| {
        let line = e
            .span()
            .map(|span| text[..span.start.min(text.len())].matches('\n').count() as u64 + 1);
        Error::config(Some(name), line, format!("invalid TOML: {}", e.message().trim_end()))
    })
}

/// configparser's booleans.
fn ini_bool(text: &str) -> Option<bool> {
    match text.to_lowercase().as_str() {
        "1" | "yes" | "true" | "on" => Some(true),
        "0" | "no" | "false" | "off" => Some(false),
        _ => None,
    }
}

/// Python's `int(str)`: surrounding whitespace, a sign, and `_` only between digits.
fn py_int(text: &str) -> Option<i64> {
    let digits = python_digits(py_strip(text), |c| c.is_ascii_digit())?;
    digits.parse().ok()
}

/// Python's `float(str)`, including `inf`/`nan` and `_` between digits.
fn py_float(text: &str) -> Option<f64> {
    let text = py_strip(text);
    let lower = text.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    if lower.len() - unsigned.len() > 1 {
        return None;
    }
    if matches!(unsigned, "inf" | "infinity" | "nan") {
        return lower.parse().ok();
    }
    let plain = python_digits(text, |c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))?;
    plain.parse().ok()
}

/// `text` without its digit-separating underscores, or `None` if an underscore is not between two digits or a
/// character is not `allowed`.
fn python_digits(text: &str, allowed: impl Fn(char) -> bool) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' {
            let before = i
                .checked_sub(1)
                .and_then(|j| chars.get(j))
                .is_some_and(char::is_ascii_digit);
            let after = chars.get(i + 1).is_some_and(char::is_ascii_digit);
            if !(before && after) {
                return None;
            }
        } else if allowed(c) || (i == 0 && matches!(c, '+' | '-')) {
            out.push(c);
        } else {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn load_tree(files: &[(&str, &str)], env: Env<'_>) -> Result<CoverageConfig> {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        load_with_env(None, dir.path(), env)
    }

    #[test]
    fn numbers_like_python() {
        assert_eq!(py_int(" 1_000 "), Some(1000));
        assert_eq!(py_int("-3"), Some(-3));
        assert_eq!(py_int("1__0"), None);
        assert_eq!(py_int("_1"), None);
        assert_eq!(py_int("1.0"), None);
        assert_eq!(py_float("1e3"), Some(1000.0));
        assert_eq!(py_float(" 9_0.5 "), Some(90.5));
        assert_eq!(py_float("-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(py_float("x"), None);
    }

    #[test]
    fn booleans_like_configparser() {
        assert_eq!(ini_bool("On"), Some(true));
        assert_eq!(ini_bool("no"), Some(false));
        assert_eq!(ini_bool("maybe"), None);
    }

    #[test]
    fn expand_user_only_for_tilde_slash() {
        assert_eq!(expand_user("~/x", Some("/home/me/")), "/home/me/x");
        assert_eq!(expand_user("~", Some("/home/me")), "/home/me");
        assert_eq!(expand_user("~bob/x", Some("/home/me")), "~bob/x");
        assert_eq!(expand_user("a~/x", Some("/home/me")), "a~/x");
    }

    #[test]
    fn setup_cfg_without_coverage_settings_is_skipped() {
        let config = load_tree(
            &[
                ("setup.cfg", "[metadata]\nname = x\n[coverage:run]\nunknown = 1\n"),
                ("tox.ini", "[coverage:report]\nprecision = 2\n"),
            ],
            &no_env,
        )
        .unwrap();
        assert_eq!(config.precision, 2);
        assert!(config.config_file.unwrap().ends_with("tox.ini"));
        // coverage.py warns about the unknown option even though it then ignores setup.cfg.
        assert_eq!(config.warnings.len(), 1, "{:?}", config.warnings);
    }

    #[test]
    fn invalid_values_name_file_section_and_option() {
        let err = load_tree(&[("setup.cfg", "[coverage:report]\nprecision = x\n")], &no_env).unwrap_err();
        insta::assert_snapshot!(err.to_string(), @r#"setup.cfg:2: [coverage:report] precision: expected an integer, found "x""#);
        let err = load_tree(&[(".coveragerc", "[run]\nbranch = maybe\n")], &no_env).unwrap_err();
        insta::assert_snapshot!(err.to_string(), @r#".coveragerc:2: [run] branch: expected a boolean (true/false, on/off, yes/no, 1/0), found "maybe""#);
        let err = load_tree(
            &[("pyproject.toml", "[tool.coverage.run]\nsource = \"src\"\n")],
            &no_env,
        )
        .unwrap_err();
        insta::assert_snapshot!(err.to_string(), @r#"pyproject.toml: [tool.coverage.run] source: expected a list, found "src""#);
        let err = load_tree(&[(".coveragerc", "[run]\ndata_file = ${NOPE?}/x\n")], &no_env).unwrap_err();
        insta::assert_snapshot!(err.to_string(), @r#".coveragerc:2: [run] data_file: expected the environment variable NOPE to be set (for "${NOPE?}")"#);
        let err = load_tree(&[("pyproject.toml", "[tool.coverage.run\n")], &no_env).unwrap_err();
        insta::assert_snapshot!(err.to_string(), @"pyproject.toml:1: invalid TOML: unclosed table, expected `]`");
        let err = load_tree(&[(".coveragerc", "[run]\nconcurrency = thread, fibers\n")], &no_env).unwrap_err();
        assert!(err.to_string().contains("found fibers"), "{err}");
        assert_eq!(err.exit_code(), crate::error::exit::CONFIG);
    }

    #[test]
    fn missing_explicit_rcfile_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = load_with_env(Some(Path::new("nope.ini")), dir.path(), &no_env).unwrap_err();
        insta::assert_snapshot!(err.to_string(), @"nope.ini: cannot read it as a config file (missing or unreadable)");
        // `.coveragerc` named explicitly means the default search, as in coverage.py.
        assert!(load_with_env(Some(Path::new(".coveragerc")), dir.path(), &no_env).is_ok());
    }

    #[test]
    fn patch_subprocess_forces_parallel_and_also_lists_append() {
        let config = load_tree(
            &[(
                ".coveragerc",
                "[run]\npatch = subprocess\n[report]\nexclude_also =\n    raise X\n",
            )],
            &no_env,
        )
        .unwrap();
        assert!(config.parallel);
        assert_eq!(config.exclude_lines.last().map(String::as_str), Some("raise X"));
        assert_eq!(config.exclude_lines.len(), DEFAULT_EXCLUDE.len() + 1);
    }

    #[test]
    fn aliases_errors_name_the_config_file() {
        let config = load_tree(&[(".coveragerc", "[paths]\nsource =\n    src\n    /ci/*\n")], &no_env).unwrap();
        let err = config.aliases().unwrap_err().to_string();
        assert!(
            err.ends_with(r#".coveragerc: [paths] pattern "/ci/*" must not end with wildcards"#),
            "{err}"
        );
    }
}
