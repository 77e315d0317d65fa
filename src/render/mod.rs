//! Reports rendered from the model into any `impl Write`: pure, deterministic.

pub mod comment;
pub mod diff;
mod dirs;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
mod table;
pub mod text;

pub use dirs::directory_summaries;
pub use table::{Row, Table};

/// Days since 1970-01-01 as a `YYYY-MM-DD` date (proleptic Gregorian, civil-from-days; no time-zone data needed).
pub fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod date_tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::civil_date(0), "1970-01-01");
        assert_eq!(super::civil_date(20_413), "2025-11-21");
        assert_eq!(super::civil_date(-1), "1969-12-31");
        assert_eq!(super::civil_date(11_016), "2000-02-29");
    }
}
