//! Civil (proleptic Gregorian) dates as Hearth's reports need them: parse `YYYY-MM-DD`, the UTC
//! day of an instant, month ends and whole months between two days.
//!
//! No date crate: this runs in the browser too, and the arithmetic is a few lines (Howard
//! Hinnant's days-from-civil algorithms). No time zones: days are UTC days, as in
//! [`crate::dates`].

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::dates::is_date;

/// One calendar day. Ordered by date (the fields are compared year, month, day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Day {
    /// The year, e.g. 2026.
    pub year: i32,
    /// The month, 1 to 12.
    pub month: u32,
    /// The day of the month, 1 to 31.
    pub day: u32,
}

const MS_PER_DAY: i64 = 86_400_000;

impl Day {
    /// The day written `YYYY-MM-DD`, if it is a real calendar date (see [`is_date`]).
    pub fn parse(s: &str) -> Option<Day> {
        if !is_date(s) {
            return None;
        }
        Some(Day {
            year: s[0..4].parse().ok()?,
            month: s[5..7].parse().ok()?,
            day: s[8..10].parse().ok()?,
        })
    }

    /// The UTC calendar day of a unix-milliseconds instant.
    pub fn from_unix_ms(ms: i64) -> Day {
        Day::from_days(ms.div_euclid(MS_PER_DAY))
    }

    /// Days from `self` to `later` (negative if `later` is earlier).
    pub fn days_until(self, later: Day) -> i64 {
        later.days() - self.days()
    }

    /// The first day of this day's month.
    pub fn first_of_month(self) -> Day {
        Day { day: 1, ..self }
    }

    /// The last day of this day's month (28, 29, 30 or 31).
    pub fn last_of_month(self) -> Day {
        Day {
            day: days_in_month(self.year, self.month),
            ..self
        }
    }

    /// Whole calendar months from `self` to `later`: the largest `n` with
    /// `self.add_months(n) <= later` (so 31 January to 28 February is one month, 15 January to
    /// 14 February none). Negative if `later` is earlier.
    pub fn months_between(self, later: Day) -> i32 {
        if later < self {
            return -later.months_between(self);
        }
        let mut n = self.month_index_diff(later);
        while n > 0 && self.add_months(n) > later {
            n -= 1;
        }
        n
    }

    /// The same day `n` months later (or earlier, for negative `n`), kept within the month: 31
    /// January plus one month is 28 (or 29) February.
    pub fn add_months(self, n: i32) -> Day {
        let index = self.year * 12 + (self.month as i32 - 1) + n;
        let year = index.div_euclid(12);
        let month = index.rem_euclid(12) as u32 + 1;
        Day {
            year,
            month,
            day: self.day.min(days_in_month(year, month)),
        }
    }

    /// Whether `self` and `other` fall in the same calendar month.
    pub fn same_month(self, other: Day) -> bool {
        self.year == other.year && self.month == other.month
    }

    /// Calendar months between the two days' months, ignoring the days.
    fn month_index_diff(self, later: Day) -> i32 {
        (later.year - self.year) * 12 + later.month as i32 - self.month as i32
    }

    /// Days since 1970-01-01 (Hinnant's days_from_civil).
    fn days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let m = i64::from(self.month);
        let mp = if m > 2 { m - 3 } else { m + 9 };
        let doy = (153 * mp + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The day `days` after 1970-01-01 (Hinnant's civil_from_days).
    fn from_days(days: i64) -> Day {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Day {
            year: year as i32,
            month: month as u32,
            day: day as u32,
        }
    }
}

impl fmt::Display for Day {
    /// `YYYY-MM-DD`, as records store dates.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Whether `year` has a 29 February.
pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// How many days `month` (1 to 12) of `year` has.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}
