//! Class'Code content packages as data and rules: a module (a folder with `manifest.toml` and the files it names),
//! a parcours (a TOML file of ordered steps across modules) and quizzes, with every problem reported with its
//! file, line and column (`docs/content-format.md`); and cmi5 course packages (`cmi5.xml` and its AUs).
//!
//! Pure: the caller reads the files (a folder, or a zip with [`archive::read_zip`]) into a [`PackageFiles`] map;
//! nothing here touches the disk.

#![forbid(unsafe_code)]

pub mod archive;
pub mod cmi5;
pub mod manifest;
mod problems;
pub mod quiz;

use std::collections::BTreeMap;

pub use manifest::{
    Activity, ActivityKind, Certification, Localized, ModuleManifest, ParcoursManifest, Step,
};
pub use problems::Problem;
pub use quiz::{Question, QuestionKind, Quiz};

/// The files of a package by path relative to its root, with `/` separators.
pub type PackageFiles = BTreeMap<String, Vec<u8>>;

/// A checked module: its manifest and its quizzes, by activity id.
#[derive(Debug, Clone, PartialEq)]
pub struct ModulePackage {
    pub manifest: ModuleManifest,
    pub quizzes: BTreeMap<String, Quiz>,
}

/// Checks a module package; every problem is reported, not only the first.
pub fn check_module(files: &PackageFiles) -> Result<ModulePackage, Vec<Problem>> {
    manifest::check_module(files)
}

/// Checks a parcours file (`name` is its file name, for messages). References to modules are checked by the
/// caller, who knows the catalog.
pub fn check_parcours(name: &str, text: &[u8]) -> Result<ParcoursManifest, Vec<Problem>> {
    manifest::check_parcours(name, text)
}
