//! `prowcov combine`.

use crate::cli::CombineArgs;
use crate::error::{Error, Result};

pub fn run(args: CombineArgs) -> Result<u8> {
    let _ = args;
    Err(Error::Usage("SKELETON combine pending".into()))
}
