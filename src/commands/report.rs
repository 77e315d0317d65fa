//! `prowcov report`: read and merge the inputs, render one report to stdout or a file, and apply the fail-under
//! threshold with coverage.py's rounding rule.

use std::io::{self, Write};
use std::path::PathBuf;

use crate::cli::{ReportArgs, ReportFormat};
use crate::config::Overrides;
use crate::env::Env;
use crate::error::{Error, Result, exit};
use crate::formats::prowcov_json::JsonOptions;
use crate::load;
use crate::model::Table;
use crate::render;
use crate::render::markdown::MarkdownOptions;
use crate::render::text::TextOptions;
use crate::settings::RootDefault;
use crate::settings::inputs::Inputs;
use crate::warnings::Warnings;

/// The report settings, validated once from the flags and the coverage.py configuration.
#[derive(Clone, Debug)]
struct Settings {
    format: ReportFormat,
    output: Option<PathBuf>,
    precision: usize,
    /// `None` when no threshold applies (coverage.py's 0).
    fail_under: Option<f64>,
}

pub fn run(args: ReportArgs, env: &Env, warnings: &Warnings) -> Result<u8> {
    let inputs = Inputs::resolve(&args.input, RootDefault::CurrentDir, &Overrides::default(), env)?;
    let loaded = load::load(&inputs.load, &inputs.files, env, warnings)?;
    let fail_under = match args.fail_under {
        Some(f) => Some(valid_threshold(f).map_err(Error::Usage)?),
        None => valid_threshold(loaded.config.fail_under)
            .map_err(|m| Error::config(loaded.config.config_file.as_deref(), None, m))
            .map(|f| Some(f).filter(|&f| f > 0.0))?,
    };
    let settings = Settings {
        format: args.format,
        output: args.output,
        precision: args.precision.unwrap_or(loaded.config.precision),
        fail_under,
    };
    if loaded.coverage.files.is_empty() {
        return Err(Error::Data("no data to report: the inputs measure no files".into()));
    }

    let table = Table::new(&loaded.coverage);
    match &settings.output {
        Some(path) => crate::fsutil::write_atomic(path, |w| render(&table, &settings, w))?,
        None => to_stdout(|w| render(&table, &settings, w))?,
    }

    let total = table.total.percent();
    drop(table);
    load::discard(loaded);
    match settings.fail_under {
        Some(threshold) if should_fail_under(total, threshold, settings.precision) => {
            eprintln!(
                "coverage failure: {}",
                fail_under_message(total, threshold, settings.precision)
            );
            Ok(exit::THRESHOLD_FAILED)
        }
        _ => Ok(exit::OK),
    }
}

fn render(table: &Table<'_>, settings: &Settings, out: &mut dyn Write) -> io::Result<()> {
    let precision = settings.precision;
    match settings.format {
        ReportFormat::Text => render::text::write(table, TextOptions { precision }, out),
        ReportFormat::Json => crate::formats::prowcov_json::write(table, JsonOptions { detail: false }, out),
        ReportFormat::Markdown => render::markdown::write(table, MarkdownOptions { precision }, out),
    }
}

/// Streams the report to stdout; a reader that goes away early (`| head`) is not an error.
pub(super) fn to_stdout(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<()> {
    let mut stdout = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    match write(&mut stdout).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(Error::write("<stdout>", e)),
        _ => Ok(()),
    }
}

fn valid_threshold(f: f64) -> std::result::Result<f64, String> {
    if (0.0..=100.0).contains(&f) {
        Ok(f)
    } else {
        Err(format!("fail_under={f} is invalid; it must be between 0 and 100"))
    }
}

/// Decimal places the check uses: `precision`, or more when the threshold itself has more (`fail_under = 85.35`
/// compares at 2 places even at precision 0), as coverage.py does.
fn check_precision(fail_under: f64, precision: usize) -> usize {
    if fail_under.fract() == 0.0 {
        return precision;
    }
    // Rust prints the shortest representation that round-trips, as Python's `str(float)` does, and never in
    // exponent form, so the digits after the point are the threshold's decimal places.
    let text = fail_under.to_string();
    let decimals = text.split_once('.').map_or(0, |(_, d)| d.len());
    precision.max(decimals)
}

/// Rounds like Python's `round(x, places)`: the exact binary value, correctly rounded, ties to even.
fn round_to(x: f64, places: usize) -> f64 {
    format!("{x:.places$}").parse().unwrap_or(x)
}

/// coverage.py's `should_fail_under`: 100 must be exactly 100; otherwise the total rounded at the check's precision
/// is compared.
fn should_fail_under(total: f64, fail_under: f64, precision: usize) -> bool {
    if fail_under == 100.0 && total != 100.0 {
        return true;
    }
    round_to(total, check_precision(fail_under, precision)) < fail_under
}

fn fail_under_message(total: f64, fail_under: f64, precision: usize) -> String {
    let places = check_precision(fail_under, precision);
    let shown = if fail_under == 100.0 && total != 100.0 {
        crate::model::display_percent(total, places)
    } else {
        format!("{:.places$}", round_to(total, places))
    };
    format!("total of {shown} is less than fail-under={fail_under:.places$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_uses_coverage_py_rounding() {
        // 89.99 shows as 90 at precision 0, and coverage.py lets it pass 90.
        assert!(!should_fail_under(89.99, 90.0, 0));
        assert!(should_fail_under(89.99, 90.0, 2));
        // The threshold's own decimals raise the precision.
        assert!(should_fail_under(85.34, 85.35, 0));
        assert!(!should_fail_under(85.354, 85.35, 0));
        // 100 means exactly 100.
        assert!(should_fail_under(99.9999, 100.0, 0));
        assert!(!should_fail_under(100.0, 100.0, 0));
    }

    #[test]
    fn failure_message_matches_coverage_py() {
        assert_eq!(
            fail_under_message(85.714, 90.0, 0),
            "total of 86 is less than fail-under=90"
        );
        assert_eq!(
            fail_under_message(99.9999, 100.0, 0),
            "total of 99 is less than fail-under=100"
        );
        assert_eq!(
            fail_under_message(85.34, 85.35, 0),
            "total of 85.34 is less than fail-under=85.35"
        );
    }

    #[test]
    fn thresholds_outside_0_to_100_are_refused() {
        assert!(valid_threshold(100.5).is_err());
        assert!(valid_threshold(-1.0).is_err());
        assert_eq!(valid_threshold(0.0), Ok(0.0));
    }
}
