//! `prowcov convert`: read and merge the inputs, and write them in the format another tool reads, atomically.

use std::path::Path;

use crate::cli::{ConvertArgs, ConvertFormat};
use crate::commands::inputs;
use crate::error::{Result, exit};
use crate::formats::{cobertura, coveragepy, lcov};
use crate::fsutil::write_atomic;
use crate::model::Coverage;
use crate::render::Table;
use crate::render::json::{self, JsonOptions};

pub fn run(args: ConvertArgs) -> Result<u8> {
    let loaded = inputs::load(&args.input)?;
    // coverage.py stores absolute paths unless `relative_files` is set, and reports relative ones as 0% otherwise.
    let base = (!loaded.config.relative_files).then_some(loaded.root.as_path());
    write(&loaded.coverage, args.to, &args.output, base)?;
    inputs::discard(loaded);
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
