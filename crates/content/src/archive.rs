//! Package archives: a module or cmi5 course read from a zip held in memory, with the bounds an uploaded archive
//! needs (no entry outside the package, a total unpacked size).

use std::collections::BTreeSet;

use crate::PackageFiles;
use crate::cmi5::STRUCTURE_FILE as CMI5_STRUCTURE;

/// The most a module archive may unpack to: a bound against archive bombs.
const MAX_UNPACKED: u64 = 512 * 1024 * 1024;

/// Reads a module from a zip archive: `manifest.toml` at its root, or inside one top folder (as a zipped folder
/// has). Entries that would leave the package (`..`, absolute paths) are refused.
pub fn read_zip(bytes: &[u8]) -> Result<PackageFiles, String> {
    use std::io::Read as _;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|err| format!("not a readable zip archive ({err})"))?;
    let mut files = PackageFiles::new();
    let mut total = 0u64;
    for index in 0..archive.len() {
        let mut entry = archive
            .by_index(index)
            .map_err(|err| format!("entry {index} cannot be read ({err})"))?;
        if entry.is_dir() {
            continue;
        }
        let name = entry
            .name()
            .map_err(|err| format!("entry {index} has an unreadable name ({err})"))?
            .replace('\\', "/");
        if entry.enclosed_name().is_none() || name.split('/').any(|part| part == "..") {
            return Err(format!("entry {name:?} would leave the package"));
        }
        let mut content = Vec::new();
        let room = MAX_UNPACKED.saturating_sub(total);
        entry
            .by_ref()
            .take(room + 1)
            .read_to_end(&mut content)
            .map_err(|err| format!("entry {name:?} cannot be unpacked ({err})"))?;
        total += content.len() as u64;
        if total > MAX_UNPACKED {
            return Err(format!(
                "the archive unpacks to more than {} MiB",
                MAX_UNPACKED / 1024 / 1024
            ));
        }
        files.insert(name, content);
    }
    if !files.contains_key("manifest.toml") && !files.contains_key(CMI5_STRUCTURE) {
        let tops: BTreeSet<String> = files
            .keys()
            .filter_map(|name| name.split_once('/').map(|(top, _)| top.to_owned()))
            .collect();
        if tops.len() == 1
            && let Some(top) = tops.into_iter().next()
            && (files.contains_key(&format!("{top}/manifest.toml"))
                || files.contains_key(&format!("{top}/{CMI5_STRUCTURE}")))
        {
            let prefix = format!("{top}/");
            files = files
                .into_iter()
                .filter_map(|(name, content)| {
                    name.strip_prefix(&prefix)
                        .map(|rest| (rest.to_owned(), content))
                })
                .collect();
        }
    }
    Ok(files)
}
