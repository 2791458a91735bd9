//! Any bytes as an uploaded content package: a zip archive (first byte even) read with its bounds, then checked as
//! a module and as a cmi5 course; or (first byte odd) a module's `manifest.toml` or a course's `cmi5.xml` itself.
//! Every path answers with problems, never a panic.
#![no_main]

use classcode_content::{PackageFiles, archive::read_zip, check_module, check_parcours, cmi5};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let files = if mode % 2 == 0 {
        match read_zip(rest) {
            Ok(files) => files,
            Err(_) => return,
        }
    } else {
        let _ = check_parcours("parcours.toml", rest);
        let mut files = PackageFiles::new();
        files.insert(
            if mode % 4 == 1 { "manifest.toml" } else { cmi5::STRUCTURE_FILE }.to_owned(),
            rest.to_vec(),
        );
        files
    };
    let _ = check_module(&files);
    let _ = cmi5::check_course(&files);
});
