//! Dates and times as Hearth's records write them (`YYYY-MM-DD`, `HH:MM`) and as people read
//! them ("3 November 2026"). Plain functions with no clock: the model, the rules and the
//! screens all use them, so they live below all three.

/// Whether `s` is a real calendar date written `YYYY-MM-DD`.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Some(y), Some(m), Some(d)) = (digits(&b[0..4]), digits(&b[5..7]), digits(&b[8..10]))
    else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in_month = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    y >= 1900 && (1..=days_in_month).contains(&d)
}

/// A `YYYY-MM-DD` date the way GOV.UK writes dates for people ("3 November 2026"); anything
/// that is not a real date comes back as it is, so a half-typed date is still shown.
pub fn long_date(s: &str) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    if !is_date(s) {
        return s.to_string();
    }
    let b = s.as_bytes();
    match (digits(&b[5..7]), digits(&b[8..10])) {
        (Some(month), Some(day)) => format!("{day} {} {}", MONTHS[month as usize - 1], &s[0..4]),
        _ => s.to_string(),
    }
}

/// Whether `s` is a 24-hour time written `HH:MM`.
pub fn is_time(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 5 || b[2] != b':' {
        return false;
    }
    matches!((digits(&b[0..2]), digits(&b[3..5])), (Some(h), Some(m)) if h < 24 && m < 60)
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_real_calendar_days() {
        assert!(is_date("2028-02-29"));
        assert!(!is_date("2026-02-29"));
        for bad in [
            "2026-02-30",
            "03/11/2026",
            "2026-11-3",
            "",
            "2026-13-01",
            "1899-12-31",
        ] {
            assert!(!is_date(bad), "{bad}");
        }
    }

    #[test]
    fn times_are_24_hour_hh_mm() {
        assert!(is_time("00:00") && is_time("23:59"));
        for bad in ["24:00", "9:30", "09:60", "0930"] {
            assert!(!is_time(bad), "{bad}");
        }
    }

    #[test]
    fn dates_are_written_out_for_people_and_anything_else_is_left_alone() {
        assert_eq!(long_date("2026-11-03"), "3 November 2026");
        assert_eq!(long_date("2024-02-29"), "29 February 2024");
        assert_eq!(long_date("2026-01-31"), "31 January 2026");
        assert_eq!(long_date("2026-02-30"), "2026-02-30");
        assert_eq!(long_date("2026-11"), "2026-11");
        assert_eq!(long_date(""), "");
    }
}
