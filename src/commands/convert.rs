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
    write(&loaded.coverage, args.to, &args.output)?;
    Ok(exit::OK)
}

/// Writes `coverage` to `path` in `format`.
fn write(coverage: &Coverage, format: ConvertFormat, path: &Path) -> Result<()> {
    match format {
        // The coverage.py writer is atomic itself.
        ConvertFormat::Coveragepy => coveragepy::write(&coveragepy::from_model(coverage), path),
        ConvertFormat::Cobertura => write_atomic(path, |w| cobertura::write(coverage, w)),
        ConvertFormat::Lcov => write_atomic(path, |w| lcov::write(coverage, w)),
        ConvertFormat::Json => write_atomic(path, |w| {
            json::write(&Table::new(coverage), JsonOptions { detail: true }, w)
        }),
    }
}
