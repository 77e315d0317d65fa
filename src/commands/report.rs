//! `prowcov report`.

use crate::cli::ReportArgs;
use crate::error::{Error, Result};

pub fn run(args: ReportArgs) -> Result<u8> {
    let _ = args;
    Err(Error::Usage("SKELETON report pending".into()))
}
