//! `prowcov convert`.

use crate::cli::ConvertArgs;
use crate::error::{Error, Result};

pub fn run(args: ConvertArgs) -> Result<u8> {
    let _ = args;
    Err(Error::Usage("SKELETON convert pending".into()))
}
