//! Badge images and baking: a PNG medallion drawn here, an SVG with the badge's name, and the Open Badges ways of
//! carrying a badge inside its image (PNG `iTXt` chunk, uncompressed; SVG `openbadges:` element).

use std::io::Write;

use flate2::Compression;
use flate2::write::ZlibEncoder;

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];
/// The `iTXt` keyword of an Open Badges 2.0 assertion.
pub const KEYWORD_OB2: &str = "openbadges";
/// The `iTXt` keyword of an Open Badges 3.0 credential.
pub const KEYWORD_OB3: &str = "openbadgecredential";

/// What is wrong with an image given to bake.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum BakeError {
    #[error("not a PNG image")]
    NotPng,
    #[error("the PNG image is truncated")]
    Truncated,
    #[error("not an SVG image")]
    NotSvg,
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 12);
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
    out
}

/// A PNG chunk: its type and its data.
type Chunk<'a> = ([u8; 4], &'a [u8]);

/// The chunks of a PNG, in order.
fn chunks(png: &[u8]) -> Result<Vec<Chunk<'_>>, BakeError> {
    let mut rest = png.strip_prefix(&PNG_SIGNATURE).ok_or(BakeError::NotPng)?;
    let mut chunks = Vec::new();
    while !rest.is_empty() {
        if rest.len() < 12 {
            return Err(BakeError::Truncated);
        }
        let length = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let kind = [rest[4], rest[5], rest[6], rest[7]];
        let end = 8usize.checked_add(length).ok_or(BakeError::Truncated)?;
        if rest.len() < end + 4 {
            return Err(BakeError::Truncated);
        }
        chunks.push((kind, &rest[8..end]));
        rest = &rest[end + 4..];
        if &kind == b"IEND" {
            break;
        }
    }
    Ok(chunks)
}

fn itxt_keyword(data: &[u8]) -> Option<&[u8]> {
    data.iter()
        .position(|byte| *byte == 0)
        .map(|end| &data[..end])
}

/// Bakes text into a PNG under `keyword` as one uncompressed `iTXt` chunk, replacing any chunk with that keyword,
/// just before `IEND`.
pub fn bake_png(png: &[u8], keyword: &str, text: &str) -> Result<Vec<u8>, BakeError> {
    let chunks = chunks(png)?;
    let mut out = PNG_SIGNATURE.to_vec();
    for (kind, data) in &chunks {
        if kind == b"iTXt" && itxt_keyword(data) == Some(keyword.as_bytes()) {
            continue;
        }
        if kind == b"IEND" {
            // keyword NUL, compression flag 0, method 0, empty language NUL, empty translated keyword NUL, text.
            let mut itxt = keyword.as_bytes().to_vec();
            itxt.extend_from_slice(&[0, 0, 0, 0, 0]);
            itxt.extend_from_slice(text.as_bytes());
            out.extend(chunk(b"iTXt", &itxt));
        }
        out.extend(chunk(kind, data));
    }
    Ok(out)
}

/// The text baked under `keyword`, if any (uncompressed `iTXt` only, as Open Badges requires).
pub fn unbake_png(png: &[u8], keyword: &str) -> Result<Option<String>, BakeError> {
    for (kind, data) in chunks(png)? {
        if &kind != b"iTXt" || itxt_keyword(data) != Some(keyword.as_bytes()) {
            continue;
        }
        let mut rest = &data[keyword.len() + 1..];
        if rest.len() < 2 || rest[0] != 0 {
            continue;
        }
        rest = &rest[2..];
        for _ in 0..2 {
            let end = rest
                .iter()
                .position(|byte| *byte == 0)
                .ok_or(BakeError::Truncated)?;
            rest = &rest[end + 1..];
        }
        return Ok(Some(String::from_utf8_lossy(rest).into_owned()));
    }
    Ok(None)
}

/// A colour for a badge, stable for a given content id.
pub fn badge_colour(seed: &str) -> [u8; 3] {
    const PALETTE: [[u8; 3]; 6] = [
        [0x1f, 0x6f, 0xb2],
        [0x2e, 0x8b, 0x57],
        [0xc0, 0x5a, 0x1c],
        [0x8e, 0x44, 0xad],
        [0xb0, 0x2a, 0x4a],
        [0x13, 0x7c, 0x8b],
    ];
    let sum = seed.bytes().fold(0usize, |sum, byte| {
        sum.wrapping_mul(31).wrapping_add(usize::from(byte))
    });
    PALETTE[sum % PALETTE.len()]
}

/// A 256×256 RGBA PNG medallion: a coloured disc with a white ring and a star, transparent around it.
pub fn badge_png(colour: [u8; 3]) -> Vec<u8> {
    const SIZE: usize = 256;
    let centre = (SIZE as f64 - 1.0) / 2.0;
    let mut raw = Vec::with_capacity(SIZE * (SIZE * 4 + 1));
    for y in 0..SIZE {
        raw.push(0); // filter type None
        for x in 0..SIZE {
            let dx = x as f64 - centre;
            let dy = y as f64 - centre;
            let radius = (dx * dx + dy * dy).sqrt();
            let angle = dy.atan2(dx);
            // A five-pointed star: its edge radius swings between 30 and 70 pixels with the angle.
            let star_edge = 50.0 + 20.0 * (5.0 * angle + std::f64::consts::FRAC_PI_2).cos();
            let pixel = if radius > 124.0 {
                [0, 0, 0, 0]
            } else if radius > 112.0 || (radius > 96.0 && radius < 102.0) || radius < star_edge {
                [255, 255, 255, 255]
            } else {
                [colour[0], colour[1], colour[2], 255]
            };
            raw.extend_from_slice(&pixel);
        }
    }
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
    // Writing to a Vec cannot fail.
    let compressed = encoder
        .write_all(&raw)
        .and_then(|()| encoder.finish())
        .unwrap_or_default();
    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&(SIZE as u32).to_be_bytes());
    header.extend_from_slice(&(SIZE as u32).to_be_bytes());
    header.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA, deflate, no interlace
    let mut png = PNG_SIGNATURE.to_vec();
    png.extend(chunk(b"IHDR", &header));
    png.extend(chunk(b"IDAT", &compressed));
    png.extend(chunk(b"IEND", &[]));
    png
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An SVG badge: the medallion with the badge's name under it (the name is escaped).
pub fn badge_svg(colour: [u8; 3], name: &str, issuer: &str) -> String {
    let fill = format!("#{:02x}{:02x}{:02x}", colour[0], colour[1], colour[2]);
    let name = xml_escape(name);
    let issuer = xml_escape(issuer);
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="256" height="300" viewBox="0 0 256 300" role="img" aria-label="{name}">
<title>{name}</title>
<circle cx="128" cy="128" r="124" fill="#ffffff"/>
<circle cx="128" cy="128" r="112" fill="{fill}"/>
<circle cx="128" cy="128" r="99" fill="none" stroke="#ffffff" stroke-width="6"/>
<polygon fill="#ffffff" points="128,58 144,106 194,106 154,136 169,184 128,154 87,184 102,136 62,106 112,106"/>
<text x="128" y="272" text-anchor="middle" font-family="sans-serif" font-size="16" fill="#1a1a1a">{name}</text>
<text x="128" y="292" text-anchor="middle" font-family="sans-serif" font-size="11" fill="#555555">{issuer}</text>
</svg>
"##
    )
}

fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

fn insert_into_svg(svg: &str, namespace: &str, element: &str) -> Result<String, BakeError> {
    let start = svg.find("<svg").ok_or(BakeError::NotSvg)?;
    let open_end = start + svg[start..].find('>').ok_or(BakeError::NotSvg)?;
    let (open, rest) = svg.split_at(open_end);
    let open = if open.contains("xmlns:openbadges=") {
        open.to_owned()
    } else {
        format!("{open} xmlns:openbadges=\"{namespace}\"")
    };
    Ok(format!("{open}>\n{element}{}", &rest[1..]))
}

/// Bakes an Open Badges 2.0 hosted assertion into an SVG: `<openbadges:assertion verify="URL">` with the JSON.
pub fn bake_svg_ob2(
    svg: &str,
    assertion_url: &str,
    assertion_json: &str,
) -> Result<String, BakeError> {
    let element = format!(
        "<openbadges:assertion verify=\"{}\">{}</openbadges:assertion>",
        xml_escape(assertion_url),
        cdata(assertion_json)
    );
    insert_into_svg(svg, "http://openbadges.org", &element)
}

/// Bakes an Open Badges 3.0 credential (JSON with its embedded proof) into an SVG: `<openbadges:credential>`.
pub fn bake_svg_ob3(svg: &str, credential_json: &str) -> Result<String, BakeError> {
    let element = format!(
        "<openbadges:credential>{}</openbadges:credential>",
        cdata(credential_json)
    );
    insert_into_svg(svg, "https://purl.imsglobal.org/ob/v3p0", &element)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_baked_png_gives_back_its_text_and_stays_a_png() {
        let png = badge_png(badge_colour("information"));
        assert!(png.starts_with(&PNG_SIGNATURE));
        assert_eq!(unbake_png(&png, KEYWORD_OB2), Ok(None));
        let baked = bake_png(
            &png,
            KEYWORD_OB2,
            r#"{"id":"https://hub.example/a/1","é":"ü"}"#,
        )
        .expect("bake");
        assert_eq!(
            unbake_png(&baked, KEYWORD_OB2).expect("unbake").as_deref(),
            Some(r#"{"id":"https://hub.example/a/1","é":"ü"}"#)
        );
        // Baking again replaces: one chunk per keyword.
        let again = bake_png(&baked, KEYWORD_OB2, "second").expect("bake again");
        let count = chunks(&again)
            .expect("chunks")
            .iter()
            .filter(|(kind, data)| {
                kind == b"iTXt" && itxt_keyword(data) == Some(KEYWORD_OB2.as_bytes())
            })
            .count();
        assert_eq!(count, 1);
        assert_eq!(
            unbake_png(&again, KEYWORD_OB2).expect("unbake").as_deref(),
            Some("second")
        );
        assert_eq!(
            chunks(&again)
                .expect("chunks")
                .last()
                .map(|(kind, _)| *kind),
            Some(*b"IEND")
        );
        assert_eq!(
            bake_png(b"GIF89a", KEYWORD_OB2, "x"),
            Err(BakeError::NotPng)
        );
        assert_eq!(
            bake_png(&png[..20], KEYWORD_OB2, "x"),
            Err(BakeError::Truncated)
        );
    }

    #[test]
    fn a_baked_svg_carries_the_badge_and_escapes_names() {
        let svg = badge_svg([1, 2, 3], "Réseaux & <Internet>", "Class'Code");
        assert!(svg.contains("Réseaux &amp; &lt;Internet&gt;"));
        let baked = bake_svg_ob2(&svg, "https://hub.example/a/1", r#"{"x":"]]>"}"#).expect("bake");
        assert!(baked.contains(r#"xmlns:openbadges="http://openbadges.org""#));
        assert!(
            baked.contains(r#"<openbadges:assertion verify="https://hub.example/a/1"><![CDATA["#)
        );
        assert!(baked.contains("]]]]><![CDATA[>"));
        let baked3 = bake_svg_ob3(&svg, "{}").expect("bake");
        assert!(baked3.contains("<openbadges:credential><![CDATA[{}]]></openbadges:credential>"));
        assert_eq!(bake_svg_ob2("<html>", "u", "{}"), Err(BakeError::NotSvg));
    }
}
