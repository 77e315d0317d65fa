//! `prowcov junit`: read and merge the inputs and write TestGrid's JUnit XML atomically. The exit code is 0 even
//! when cases fail: the XML carries the verdict, and the gate is a separate command.

use crate::cli::JunitArgs;
use crate::config::{Overrides, Percent};
use crate::env::Env;
use crate::error::{Error, Result, exit};
use crate::fsutil::write_atomic;
use crate::load;
use crate::model::Table;
use crate::render::junit::{self, JunitOptions};
use crate::settings::RootDefault;
use crate::settings::inputs::Inputs;
use crate::warnings::Warnings;

pub fn run(args: JunitArgs, env: &Env, warnings: &Warnings) -> Result<u8> {
    let name = args
        .output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !name.starts_with("junit_") || !name.ends_with(".xml") {
        return Err(Error::Usage(format!(
            "-o {}: TestGrid only reads files named junit_*.xml (hint: -o {}junit_coverage.xml)",
            args.output.display(),
            args.output
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map(|p| format!("{}/", p.display()))
                .unwrap_or_default()
        )));
    }
    let threshold = args
        .threshold
        .map(|t| Percent::try_from(t).map_err(|e| Error::Usage(format!("--threshold: {e}"))))
        .transpose()?;
    let inputs = Inputs::resolve(&args.input, RootDefault::CurrentDir, &Overrides::default(), env)?;
    let loaded = load::load(&inputs.load, &inputs.files, env, warnings)?;
    if loaded.coverage.files.is_empty() {
        return Err(Error::Data("no data to report: the inputs measure no files".into()));
    }
    let table = Table::new(&loaded.coverage);
    let options = JunitOptions {
        threshold: threshold.map(Percent::get),
    };
    write_atomic(&args.output, |w| junit::write(&table, options, w))?;
    Ok(exit::OK)
}
