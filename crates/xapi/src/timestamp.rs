//! xAPI timestamps: ISO 8601 date-times in extended format, as RFC 3339 profiles them, with a time zone offset or
//! `Z` (a time without offset is read as UTC). `-00:00` (RFC 3339's "unknown offset") is refused.

use chrono::{
    DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, TimeZone, Utc,
};

/// Parses a timestamp, strictly.
pub fn parse_timestamp(text: &str) -> Option<DateTime<FixedOffset>> {
    let bytes = text.as_bytes();
    if bytes.len() < 19
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || bytes[10] != b'T'
        || bytes[13] != b':'
        || bytes[16] != b':'
    {
        return None;
    }
    let year = digits(&text[0..4])?;
    let month = digits(&text[5..7])?;
    let day = digits(&text[8..10])?;
    let hour = digits(&text[11..13])?;
    let minute = digits(&text[14..16])?;
    let second = digits(&text[17..19])?;
    let mut rest = &text[19..];
    let mut nanos = 0u32;
    if let Some(fraction) = rest.strip_prefix('.') {
        let end = fraction
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(fraction.len());
        if end == 0 {
            return None;
        }
        let digits_text = &fraction[..end];
        let mut scaled = String::from(&digits_text[..digits_text.len().min(9)]);
        while scaled.len() < 9 {
            scaled.push('0');
        }
        nanos = scaled.parse().ok()?;
        rest = &fraction[end..];
    }
    let offset_seconds = match rest {
        "" | "Z" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let body = &rest[1..];
            let (hours, minutes) = match body.len() {
                2 => (digits(body)?, 0),
                4 => (digits(&body[0..2])?, digits(&body[2..4])?),
                5 if body.as_bytes()[2] == b':' => (digits(&body[0..2])?, digits(&body[3..5])?),
                _ => return None,
            };
            if sign < 0 && hours == 0 && minutes == 0 {
                return None;
            }
            if hours > 23 || minutes > 59 {
                return None;
            }
            sign * i32::try_from(hours * 3600 + minutes * 60).ok()?
        }
    };
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    let offset = FixedOffset::east_opt(offset_seconds)?;
    offset
        .from_local_datetime(&NaiveDateTime::new(date, time))
        .single()
}

fn digits(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// The same instant in UTC with `Z` and milliseconds, as the LRS returns every timestamp.
pub fn to_utc_string(instant: &DateTime<FixedOffset>) -> String {
    instant
        .with_timezone(&Utc)
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// How the LRS writes `stored`: UTC, millisecond precision.
pub fn format_stored(instant: &DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_3339_timestamps_parse() {
        for text in [
            "2013-05-18T05:32:34.804Z",
            "2013-05-18T05:32:34Z",
            "2013-05-18T05:32:34.804+00:00",
            "2013-05-18T05:32:34.804-05:00",
            "2013-05-18T05:32:34+0530",
            "2013-05-18T05:32:34+05",
            "2013-05-18T05:32:34.123456789Z",
            "2013-05-18T05:32:34",
        ] {
            assert!(parse_timestamp(text).is_some(), "{text} must parse");
        }
    }

    #[test]
    fn malformed_timestamps_are_refused() {
        for text in [
            "",
            "2013-05-18",
            "2013-05-18 05:32:34Z",
            "2013-05-18T05:32Z",
            "2013-13-18T05:32:34Z",
            "2013-02-30T05:32:34Z",
            "2013-05-18T25:32:34Z",
            "2013-05-18T05:32:34.Z",
            "2013-05-18T05:32:34-00:00",
            "2013-05-18T05:32:34+5:00",
            "2013-05-18T05:32:34z",
            "2013-05-18T05:32:34ZZ",
            "18-05-2013T05:32:34Z",
        ] {
            assert!(parse_timestamp(text).is_none(), "{text:?} must be refused");
        }
    }

    #[test]
    fn utc_normalisation_keeps_the_instant() {
        let parsed = parse_timestamp("2013-05-18T05:32:34.804-05:00").unwrap();
        assert_eq!(to_utc_string(&parsed), "2013-05-18T10:32:34.804Z");
    }
}
