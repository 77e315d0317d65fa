//! `prowcov config`: find and check the configuration; `--dump` prints the effective settings.

use std::io::Write as _;
use std::path::Path;

use crate::cli::ConfigArgs;
use crate::config::Config;
use crate::env::Env;
use crate::error::{Error, Result, exit};

pub fn run(args: ConfigArgs, env: &Env) -> Result<u8> {
    let root = args.root.as_deref().unwrap_or(Path::new("."));
    let loaded = Config::load(root, args.config.as_deref(), &|var| env.var(var))?;
    let text = if args.dump {
        loaded.dump()?
    } else {
        format!("configuration: {}: ok\n", loaded.source)
    };
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(exit::OK),
        // A closed pipe (`| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(exit::OK),
        Err(e) => Err(Error::write("<stdout>", e)),
    }
}
