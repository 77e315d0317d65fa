//! `prowcov convert`: read and merge the inputs, and write them in the format another tool reads, atomically.

use std::path::Path;

use crate::cli::{ConvertArgs, ConvertFormat};
use crate::config::Overrides;
use crate::env::Env;
use crate::error::{Result, exit};
use crate::formats::prowcov_json::{self as json, JsonOptions};
use crate::formats::{cobertura, coveragepy, lcov};
use crate::fsutil::write_atomic;
use crate::load;
use crate::model::Coverage;
use crate::model::Table;
use crate::settings::RootDefault;
use crate::settings::inputs::Inputs;
use crate::warnings::Warnings;

pub fn run(args: ConvertArgs, env: &Env, warnings: &Warnings) -> Result<u8> {
    let inputs = Inputs::resolve(&args.input, RootDefault::CurrentDir, &Overrides::default(), env)?;
    let loaded = load::load(&inputs.load, &inputs.files, env, warnings)?;
    // coverage.py stores absolute paths unless `relative_files` is set, and reports relative ones as 0% otherwise.
    let base = (!loaded.config.relative_files).then_some(loaded.root.as_path());
    write(&loaded.coverage, args.to, &args.output, base)?;
    load::discard(loaded);
    Ok(exit::OK)
}

/// Writes `coverage` to `path` in `format`.
fn write(coverage: &Coverage, format: ConvertFormat, path: &Path, base: Option<&Path>) -> Result<()> {
    match format {
        // The coverage.py writer is atomic itself.
        ConvertFormat::Coveragepy => coveragepy::write(&coveragepy::from_model(coverage, base)?, path),
        ConvertFormat::Cobertura => write_atomic(path, |w| cobertura::write(coverage, w)),
        ConvertFormat::Lcov => write_atomic(path, |w| lcov::write(coverage, w)),
        ConvertFormat::Json => write_atomic(path, |w| {
            json::write(&Table::new(coverage), JsonOptions { detail: true }, w)
        }),
    }
}
