//! `coverage json` output (format 3): read.

use std::path::Path;

use crate::error::{Error, Result};
use crate::formats::ReadOptions;
use crate::model::Coverage;

/// Reads `bytes`, the content of `path`.
pub fn read(path: &Path, bytes: &[u8], options: &ReadOptions) -> Result<Coverage> {
    let _ = (bytes, options);
    Err(Error::Data(format!(
        "{}: SKELETON coveragepy_json reader pending",
        path.display()
    )))
}
