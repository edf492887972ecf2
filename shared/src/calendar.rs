//! Civil (proleptic Gregorian) dates as the model and the reports need them: parse
//! `YYYY-MM-DD`, the UTC day of an instant, month ends and whole months between two days.
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

    /// The instant this day starts (midnight UTC), unix milliseconds.
    pub fn start_unix_ms(self) -> i64 {
        self.days() * MS_PER_DAY
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

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Day {
        Day::parse(s).expect("a real date")
    }

    #[test]
    fn dates_parse_and_print_as_records_write_them() {
        let d = day("2026-01-31");
        assert_eq!(
            d,
            Day {
                year: 2026,
                month: 1,
                day: 31
            }
        );
        assert_eq!(d.to_string(), "2026-01-31");
        for bad in ["2026-02-29", "2026-1-31", "31/01/2026", "", "2026-00-10"] {
            assert_eq!(Day::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn instants_fall_on_their_utc_day() {
        // 2026-11-03T10:00:00Z
        assert_eq!(Day::from_unix_ms(1_793_700_000_000), day("2026-11-03"));
        assert_eq!(Day::from_unix_ms(0), day("1970-01-01"));
        assert_eq!(Day::from_unix_ms(-1), day("1969-12-31"));
        // The last millisecond of a leap day and the first of the next day.
        let leap_day_start = 1_709_164_800_000; // 2024-02-29T00:00:00Z
        assert_eq!(Day::from_unix_ms(leap_day_start), day("2024-02-29"));
        assert_eq!(day("2024-02-29").start_unix_ms(), leap_day_start);
        assert_eq!(
            Day::from_unix_ms(leap_day_start + 86_400_000 - 1),
            day("2024-02-29")
        );
        assert_eq!(
            Day::from_unix_ms(leap_day_start + 86_400_000),
            day("2024-03-01")
        );
    }

    #[test]
    fn month_ends_know_leap_years() {
        assert_eq!(day("2026-02-10").last_of_month(), day("2026-02-28"));
        assert_eq!(day("2028-02-10").last_of_month(), day("2028-02-29"));
        assert_eq!(day("2100-02-01").last_of_month(), day("2100-02-28"));
        assert_eq!(day("2000-02-01").last_of_month(), day("2000-02-29"));
        assert_eq!(day("2026-04-30").last_of_month(), day("2026-04-30"));
        assert_eq!(day("2026-12-25").last_of_month(), day("2026-12-31"));
        assert_eq!(day("2026-12-25").first_of_month(), day("2026-12-01"));
    }

    #[test]
    fn days_between_cross_month_year_and_leap_day() {
        assert_eq!(day("2026-01-31").days_until(day("2026-02-01")), 1);
        assert_eq!(day("2028-02-28").days_until(day("2028-03-01")), 2);
        assert_eq!(day("2026-02-28").days_until(day("2026-03-01")), 1);
        assert_eq!(day("2025-12-31").days_until(day("2026-01-01")), 1);
        assert_eq!(day("2026-01-01").days_until(day("2027-01-01")), 365);
        assert_eq!(day("2028-01-01").days_until(day("2029-01-01")), 366);
        assert_eq!(day("2026-03-01").days_until(day("2026-02-01")), -28);
    }

    #[test]
    fn whole_months_count_from_the_same_day_or_the_month_end() {
        assert_eq!(day("2026-01-15").months_between(day("2026-02-14")), 0);
        assert_eq!(day("2026-01-15").months_between(day("2026-02-15")), 1);
        assert_eq!(day("2026-01-31").months_between(day("2026-02-27")), 0);
        assert_eq!(day("2026-01-31").months_between(day("2026-02-28")), 1);
        assert_eq!(day("2028-01-31").months_between(day("2028-02-28")), 0);
        assert_eq!(day("2028-01-31").months_between(day("2028-02-29")), 1);
        assert_eq!(day("2025-11-30").months_between(day("2026-02-27")), 2);
        assert_eq!(day("2025-11-30").months_between(day("2026-02-28")), 3);
        assert_eq!(day("2026-03-10").months_between(day("2026-03-10")), 0);
        assert_eq!(day("2026-03-10").months_between(day("2026-01-10")), -2);
    }

    #[test]
    fn adding_months_stays_within_the_month() {
        assert_eq!(day("2026-01-31").add_months(1), day("2026-02-28"));
        assert_eq!(day("2028-01-31").add_months(1), day("2028-02-29"));
        assert_eq!(day("2026-03-31").add_months(-1), day("2026-02-28"));
        assert_eq!(day("2026-01-15").add_months(-1), day("2025-12-15"));
        assert_eq!(day("2026-12-15").add_months(13), day("2028-01-15"));
    }
}
