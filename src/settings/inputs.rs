//! What every command that reads coverage resolves first: the root, the repository's configuration (which it
//! honours as `prowcov run` does) and how to load the inputs.

use std::path::PathBuf;

use super::root::{RootDefault, resolve_root};
use crate::cli::InputArgs;
use crate::config::{Config, LoadedConfig, Overrides};
use crate::env::Env;
use crate::error::Result;
use crate::load::LoadOptions;

/// The resolved inputs of a reporting command.
#[derive(Debug)]
pub struct Inputs {
    /// The files named on the command line (none: the coverage.py data file, when it exists).
    pub files: Vec<PathBuf>,
    pub load: LoadOptions,
    /// The repository's configuration at the root, with the environment and `overrides` applied.
    pub config: LoadedConfig,
}

impl Inputs {
    /// Resolves `args`: the root (`--root`, else `default`), the configuration found there, and the load options.
    pub fn resolve(args: &InputArgs, default: RootDefault, overrides: &Overrides, env: &Env) -> Result<Inputs> {
        let root = resolve_root(args.root.as_deref(), default)?;
        let config = repo_config(&root, overrides, env)?;
        Ok(Inputs {
            files: args.inputs.clone(),
            load: load_options(args, root, env),
            config,
        })
    }
}

/// The load options of `args` at `root` (see [`load_options_of`]).
pub fn load_options(args: &InputArgs, root: PathBuf, env: &Env) -> LoadOptions {
    load_options_of(root, args.rcfile.clone(), args.python.clone(), args.ignore_errors, env)
}

/// The load options at `root`: `rcfile` (`--rcfile`) else `COVERAGE_RCFILE`, `python` (`--python`) else
/// `PROWCOV_PYTHON`.
pub fn load_options_of(
    root: PathBuf,
    rcfile: Option<PathBuf>,
    python: Option<PathBuf>,
    ignore_errors: bool,
    env: &Env,
) -> LoadOptions {
    LoadOptions {
        root,
        rcfile: rcfile.or_else(|| env.path("COVERAGE_RCFILE")),
        python: python.or_else(|| env.path("PROWCOV_PYTHON")),
        ignore_errors,
    }
}

/// The configuration of the repository at `root`: found there, then the environment, then `overrides`.
pub fn repo_config(root: &std::path::Path, overrides: &Overrides, env: &Env) -> Result<LoadedConfig> {
    let mut config = Config::load(root, None, &|var| env.var(var))?;
    config.apply_flags(overrides)?;
    Ok(config)
}
