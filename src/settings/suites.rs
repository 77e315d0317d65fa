//! The job's `[[suites]]` and `[[components]]`, resolved against the checkout before any test runs: each suite's
//! directory exists, each glob of `paths` matches a file, `--suite`/`--skip-suite` name suites that exist. A
//! misconfiguration fails here, naming the key or value (exit 78; a bad flag 64), with nothing run or stored.

use std::path::{Path, PathBuf};

use crate::cli::JobArgs;
use crate::config::{LoadedConfig, Runner, Suite};
use crate::error::{Error, Result};
use crate::fsutil::list_files;
use crate::glob::Globs;

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

/// One suite to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuitePlan {
    pub name: String,
    /// The directory it runs in (absolute).
    pub root: PathBuf,
    /// The directory relative to the repository root (`""` for the root), the prefix of its coverage paths.
    pub prefix: String,
    pub tests: Tests,
    /// The globs of the profiles the `command` runner reads, relative to `root`.
    pub profiles: Vec<crate::config::Glob>,
    /// The Go packages (`go` runner).
    pub go_packages: Vec<String>,
    /// The globs of the sources it owns (relative to the repository root); empty: all it measures.
    pub paths: Vec<String>,
}

/// The suites `args` select from the configuration, in configuration order; empty without `[[suites]]`.
pub fn plan(args: &JobArgs, config: &LoadedConfig, root: &Path) -> Result<Vec<SuitePlan>> {
    let suites = &config.config.suites;
    let known = |name: &String, flag: &str| -> Result<()> {
        if suites.iter().any(|s| s.name.as_str() == name) {
            return Ok(());
        }
        let names: Vec<&str> = suites.iter().map(|s| s.name.as_str()).collect();
        Err(Error::Usage(if names.is_empty() {
            format!("{flag} {name}: the configuration has no [[suites]]")
        } else {
            format!("{flag} {name}: no such suite; the suites are {}", names.join(", "))
        }))
    };
    for name in &args.suites {
        known(name, "--suite")?;
    }
    for name in &args.skip_suites {
        known(name, "--skip-suite")?;
    }
    let selected: Vec<&Suite> = suites
        .iter()
        .filter(|s| args.suites.is_empty() || args.suites.iter().any(|n| n == s.name.as_str()))
        .filter(|s| !args.skip_suites.iter().any(|n| n == s.name.as_str()))
        .collect();
    if !suites.is_empty() && !args.profile.is_empty() {
        return Err(Error::Usage(
            "--profile reads coverage files instead of running the tests, but the configuration has [[suites]]: \
             give each suite runner = \"none\" and its profiles, or drop --profile"
                .into(),
        ));
    }
    if !suites.is_empty() && selected.is_empty() {
        return Err(Error::Usage("--suite/--skip-suite leave no suite to run".into()));
    }
    if suites.is_empty() {
        check_components(config, root, None)?;
        return Ok(Vec::new());
    }
    // The checkout's files, listed only when a glob must be checked against them.
    let needs_files = !config.config.components.is_empty() || selected.iter().any(|s| !s.paths.is_empty());
    let files = if needs_files { list_files(root)? } else { Vec::new() };
    check_components(config, root, Some(&files))?;
    let source = config.source.path();
    let mut listed: std::collections::BTreeMap<PathBuf, Vec<String>> = std::collections::BTreeMap::new();
    let mut plans = Vec::with_capacity(selected.len());
    for suite in selected {
        let name = suite.name.as_str();
        let error = |what: String| Error::config(source, None, format!("[[suites]] {name}: {what}"));
        let prefix = suite.root.as_ref().map_or(String::new(), |r| r.as_str().to_owned());
        let dir = root.join(&prefix);
        if !dir.is_dir() {
            return Err(error(format!(
                "root = \"{prefix}\" is not a directory under {}",
                root.display()
            )));
        }
        let paths: Vec<String> = suite.paths.iter().map(|g| g.as_str().to_owned()).collect();
        check_globs_match(&paths, &files, &|glob| {
            error(format!("paths: `{glob}` matches no file in the checkout"))
        })?;
        let tests = match suite.runner {
            Runner::None => {
                let globs: Vec<String> = suite.profiles.iter().map(|g| g.as_str().to_owned()).collect();
                let matcher = Globs::new(&globs, &format!("[[suites]] {name} profiles"))?;
                // Each directory is listed once, however many suites read profiles in it.
                if !listed.contains_key(&dir) {
                    let files = if dir == root && needs_files {
                        files.clone()
                    } else {
                        list_files(&dir)?
                    };
                    listed.insert(dir.clone(), files);
                }
                let found: Vec<PathBuf> = listed[&dir]
                    .iter()
                    .filter(|rel| matcher.is_match(rel))
                    .map(|rel| dir.join(rel))
                    .collect();
                if found.is_empty() {
                    return Err(error(format!(
                        "profiles ({}) match no coverage file under {}",
                        globs.join(", "),
                        dir.display()
                    )));
                }
                Tests::Existing(found)
            }
            runner => Tests::Run {
                runner,
                command: suite.command.clone(),
            },
        };
        plans.push(SuitePlan {
            name: name.to_owned(),
            root: dir,
            prefix,
            tests,
            profiles: suite.profiles.clone(),
            go_packages: if suite.go_packages.is_empty() {
                config.config.run.go_packages.clone()
            } else {
                suite.go_packages.clone()
            },
            paths,
        });
    }
    Ok(plans)
}

/// Every glob of every component matches a file of the checkout.
fn check_components(config: &LoadedConfig, root: &Path, files: Option<&[String]>) -> Result<()> {
    if config.config.components.is_empty() {
        return Ok(());
    }
    let listed;
    let files = match files {
        Some(f) => f,
        None => {
            listed = list_files(root)?;
            &listed
        }
    };
    for component in &config.config.components {
        let name = component.name.as_str();
        let globs: Vec<String> = component.paths.iter().map(|g| g.as_str().to_owned()).collect();
        check_globs_match(&globs, files, &|glob| {
            Error::config(
                config.source.path(),
                None,
                format!("[[components]] {name}: paths: `{glob}` matches no file in the checkout"),
            )
        })?;
    }
    Ok(())
}

/// Each of `globs` matches one of `files`; else the error `error` makes for the first that does not.
fn check_globs_match(globs: &[String], files: &[String], error: &dyn Fn(&str) -> Error) -> Result<()> {
    for glob in globs {
        let one = Globs::new(std::slice::from_ref(glob), "paths")?;
        if !files.iter().any(|f| one.is_match(f)) {
            return Err(error(glob));
        }
    }
    Ok(())
}
