//! A strict ISO 8601 duration parser for `result.duration`: `P[nY][nM][nD][T[nH][nM][n[.n]S]]` or `PnW`.
//! (Crates on crates.io are too lenient: they accept `PT`, trailing garbage or negative parts.)

/// Parses a duration; returns it in seconds (years and months at 365 and 30 days; only used for ordering).
pub fn parse_duration(text: &str) -> Option<f64> {
    let rest = text.strip_prefix('P')?;
    if rest.is_empty() {
        return None;
    }
    if let Some(weeks) = rest.strip_suffix('W') {
        return parse_number(weeks, false).map(|w| w * 7.0 * 86_400.0);
    }
    let (date_part, time_part) = match rest.split_once('T') {
        Some((date, time)) => {
            if time.is_empty() {
                return None;
            }
            (date, Some(time))
        }
        None => (rest, None),
    };
    let mut seconds = 0.0;
    let mut any = false;
    seconds += parse_components(
        date_part,
        &[
            ('Y', 365.0 * 86_400.0),
            ('M', 30.0 * 86_400.0),
            ('D', 86_400.0),
        ],
        &mut any,
    )?;
    if let Some(time) = time_part {
        let mut any_time = false;
        seconds += parse_components(
            time,
            &[('H', 3_600.0), ('M', 60.0), ('S', 1.0)],
            &mut any_time,
        )?;
        if !any_time {
            return None;
        }
        any = true;
    }
    any.then_some(seconds)
}

/// Parses `nXnYnZ` with the designators in the given order, each at most once; only the last may be fractional.
fn parse_components(mut text: &str, designators: &[(char, f64)], any: &mut bool) -> Option<f64> {
    let mut total = 0.0;
    let mut next = 0;
    let mut saw_fraction = false;
    while !text.is_empty() {
        let end = text.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))?;
        let (number, rest) = text.split_at(end);
        let designator = rest.chars().next()?;
        let position = designators[next..]
            .iter()
            .position(|(d, _)| *d == designator)?
            + next;
        if saw_fraction {
            return None;
        }
        let fractional = number.contains(['.', ',']);
        let value = parse_number(number, true)?;
        saw_fraction = fractional;
        total += value * designators[position].1;
        next = position + 1;
        text = &rest[designator.len_utf8()..];
        *any = true;
    }
    Some(total)
}

fn parse_number(text: &str, fraction_allowed: bool) -> Option<f64> {
    let normalised = text.replace(',', ".");
    let (whole, fraction) = match normalised.split_once('.') {
        Some((whole, fraction)) if fraction_allowed => (whole, Some(fraction)),
        Some(_) => return None,
        None => (normalised.as_str(), None),
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if let Some(fraction) = fraction
        && (fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    normalised.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn valid_iso_8601_durations_parse() {
        for (text, seconds) in [
            ("PT1H", 3600.0),
            ("PT1H30M", 5400.0),
            ("PT4.15S", 4.15),
            ("PT0.001S", 0.001),
            ("P1D", 86_400.0),
            ("P2W", 1_209_600.0),
            ("P1DT12H", 129_600.0),
            ("PT16559.14S", 16559.14),
            ("P0D", 0.0),
            ("PT1,5S", 1.5),
        ] {
            let parsed = parse_duration(text).unwrap_or_else(|| panic!("{text} must parse"));
            assert!(
                (parsed - seconds).abs() < 1e-6,
                "{text}: {parsed} != {seconds}"
            );
        }
        assert!(parse_duration("P1Y2M3DT4H5M6S").is_some());
    }

    #[test]
    fn malformed_durations_are_refused() {
        for text in [
            "",
            "P",
            "PT",
            "T1H",
            "1H",
            "PT1H30",
            "P1DT",
            "PT-1H",
            "P1DT-1H",
            "PT1Hxyz",
            "PT1S1M",
            "PT1.5M30S",
            "P1W2D",
            "PT1H1H",
            "pt1h",
            "PT.5S",
            "PT5.S",
            "P1.5W",
            "PT 1S",
        ] {
            assert!(parse_duration(text).is_none(), "{text:?} must be refused");
        }
    }
}
