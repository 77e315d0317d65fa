//! Dates and the time to record, without time-zone data: civil dates from day numbers, and "now" as
//! `SOURCE_DATE_EPOCH` or the system clock (so reruns and tests can fix it).

use crate::env::Env;
use crate::error::{Error, Result};

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

/// Seconds since the epoch: `SOURCE_DATE_EPOCH` when set, else the clock.
pub fn now(env: &Env) -> Result<u64> {
    if let Some(value) = env.var("SOURCE_DATE_EPOCH") {
        return value
            .trim()
            .parse()
            .map_err(|_| Error::Usage(format!("SOURCE_DATE_EPOCH={value:?}: expected seconds since the epoch")));
    }
    Ok(std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()))
}

/// A duration in seconds in words, to the largest whole unit: `45 seconds`, `1 minute`, `3 hours`, `12 days`.
pub fn age(seconds: u64) -> String {
    let (n, unit) = match seconds {
        0..60 => (seconds, "second"),
        60..3600 => (seconds / 60, "minute"),
        3600..86_400 => (seconds / 3600, "hour"),
        _ => (seconds / 86_400, "day"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(20_413), "2025-11-21");
        assert_eq!(civil_date(-1), "1969-12-31");
        assert_eq!(civil_date(11_016), "2000-02-29");
    }

    #[test]
    fn ages_in_words() {
        assert_eq!(age(0), "0 seconds");
        assert_eq!(age(61), "1 minute");
        assert_eq!(age(7200), "2 hours");
        assert_eq!(age(86_400 * 3 + 5), "3 days");
    }

    #[test]
    fn source_date_epoch_fixes_now() {
        assert_eq!(now(&Env::from_pairs([("SOURCE_DATE_EPOCH", "42")])).ok(), Some(42));
        assert!(now(&Env::from_pairs([("SOURCE_DATE_EPOCH", "x")])).is_err());
        assert!(now(&Env::default()).is_ok_and(|t| t > 1_700_000_000));
    }
}
