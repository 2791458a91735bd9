//! The content catalog: importing packages (a module folder, a parcours file, or a folder of both), with every
//! problem reported before anything is stored; the versions kept; and the catalog the LTI tool shows, built from
//! the newest version of each content id. The demo catalog ships inside the binary and is imported on first start.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use chrono::Utc;
use classcode_content::cmi5::Cmi5Course;
use classcode_content::{ModuleManifest, PackageFiles, ParcoursManifest, Problem};
use classcode_storage::{ContentPackage, NewContentPackage, StorageError};
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use crate::Hub;
use crate::catalog::Catalog;

/// One package to import, read from a folder, a file or the binary.
#[derive(Clone, Debug)]
pub enum ImportSource {
    /// A module: its files by relative path. `origin` names it in messages (its folder).
    Module { origin: String, files: PackageFiles },
    /// A parcours file.
    Parcours { origin: String, bytes: Vec<u8> },
    /// A cmi5 course package: `cmi5.xml` and the files of its AUs.
    Cmi5 { origin: String, files: PackageFiles },
}

/// What an import did.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct ImportReport {
    /// `content id@version` of each version stored.
    pub imported: Vec<String>,
    /// Versions already stored with the same content, left as they were.
    pub unchanged: Vec<String>,
}

/// Why nothing was imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Unreadable(String),
    #[error("{} problem(s) found; nothing was imported", .0.len())]
    Invalid(Vec<Problem>),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<StorageError> for ImportError {
    fn from(err: StorageError) -> Self {
        ImportError::Unexpected(err.into())
    }
}

/// How long a node trusts its copy of the catalog before reading it again (another node may have imported).
const CATALOG_TTL: std::time::Duration = std::time::Duration::from_secs(30);

#[derive(rust_embed::RustEmbed)]
#[folder = "../../content/demo/"]
struct DemoContent;

/// The demo catalog compiled into the binary, as import sources.
pub fn demo_sources() -> Vec<ImportSource> {
    let mut modules: BTreeMap<String, PackageFiles> = BTreeMap::new();
    let mut sources = Vec::new();
    for path in DemoContent::iter() {
        let Some(file) = DemoContent::get(&path) else {
            continue;
        };
        let bytes = file.data.into_owned();
        match path.split_once('/') {
            Some(("parcours", name)) if name.ends_with(".toml") => {
                sources.push(ImportSource::Parcours {
                    origin: format!("demo/parcours/{name}"),
                    bytes,
                })
            }
            Some((module, rest)) if module != "parcours" => {
                modules
                    .entry(module.to_owned())
                    .or_default()
                    .insert(rest.to_owned(), bytes);
            }
            _ => {}
        }
    }
    let mut all: Vec<ImportSource> = modules
        .into_iter()
        .filter(|(_, files)| files.contains_key("manifest.toml"))
        .map(|(name, files)| ImportSource::Module {
            origin: format!("demo/{name}"),
            files,
        })
        .collect();
    all.extend(sources);
    all
}

/// Reads import sources from disk: a module folder (it has `manifest.toml`), a parcours `.toml` file, or a folder
/// whose sub-folders are modules and whose other `.toml` files (at any depth) are parcours.
pub fn read_sources(path: &Path) -> Result<Vec<ImportSource>, ImportError> {
    let unreadable = |err: std::io::Error, what: &Path| {
        ImportError::Unreadable(format!("cannot read {}: {err}", what.display()))
    };
    if path.is_file() {
        if path.extension().is_some_and(|extension| extension == "zip") {
            let bytes = std::fs::read(path).map_err(|err| unreadable(err, path))?;
            let files = read_zip(&bytes)
                .map_err(|err| ImportError::Unreadable(format!("{}: {err}", path.display())))?;
            return Ok(vec![package_source(path.display().to_string(), files)]);
        }
        if path
            .extension()
            .is_some_and(|extension| extension == "toml")
        {
            let bytes = std::fs::read(path).map_err(|err| unreadable(err, path))?;
            return Ok(vec![ImportSource::Parcours {
                origin: path.display().to_string(),
                bytes,
            }]);
        }
        return Err(ImportError::Unreadable(format!(
            "{} is neither a module (folder or .zip) nor a parcours .toml file",
            path.display()
        )));
    }
    if !path.is_dir() {
        return Err(ImportError::Unreadable(format!(
            "{} does not exist",
            path.display()
        )));
    }
    if path.join("manifest.toml").is_file() || path.join(CMI5_STRUCTURE).is_file() {
        let files = read_tree(path).map_err(|err| unreadable(err, path))?;
        return Ok(vec![package_source(path.display().to_string(), files)]);
    }
    let mut modules = Vec::new();
    let mut parcours = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .map_err(|err| unreadable(err, &dir))?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .collect();
        entries.sort();
        for entry in entries {
            if entry.is_dir() {
                if entry.join("manifest.toml").is_file() || entry.join(CMI5_STRUCTURE).is_file() {
                    let files = read_tree(&entry).map_err(|err| unreadable(err, &entry))?;
                    modules.push(package_source(entry.display().to_string(), files));
                } else {
                    stack.push(entry);
                }
            } else if entry
                .extension()
                .is_some_and(|extension| extension == "toml")
            {
                parcours.push(ImportSource::Parcours {
                    origin: entry.display().to_string(),
                    bytes: std::fs::read(&entry).map_err(|err| unreadable(err, &entry))?,
                });
            }
        }
    }
    if modules.is_empty() && parcours.is_empty() {
        return Err(ImportError::Unreadable(format!(
            "{} holds no module (a folder with manifest.toml), no cmi5 course (a folder with cmi5.xml) and no parcours (.toml)",
            path.display()
        )));
    }
    modules.extend(parcours);
    Ok(modules)
}

const CMI5_STRUCTURE: &str = classcode_content::cmi5::STRUCTURE_FILE;

/// A package read from a folder or an archive: a cmi5 course when it has `cmi5.xml` and no `manifest.toml`.
pub fn package_source(origin: String, files: PackageFiles) -> ImportSource {
    if files.contains_key(CMI5_STRUCTURE) && !files.contains_key("manifest.toml") {
        ImportSource::Cmi5 { origin, files }
    } else {
        ImportSource::Module { origin, files }
    }
}

pub use classcode_content::archive::read_zip;

fn read_tree(root: &Path) -> std::io::Result<PackageFiles> {
    let mut files = PackageFiles::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(relative) = path.strip_prefix(root) {
                let relative = relative
                    .components()
                    .map(|part| part.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                files.insert(relative, std::fs::read(&path)?);
            }
        }
    }
    Ok(files)
}

fn package_hash(files: &[(String, Vec<u8>)]) -> String {
    let mut hasher = Sha256::new();
    for (path, bytes) in files {
        hasher.update(path.as_bytes());
        hasher.update([0u8]);
        hasher.update(Sha256::digest(bytes));
    }
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The newest stored version of `content_id` among `packages`.
pub fn newest<'a>(packages: &'a [ContentPackage], content_id: &str) -> Option<&'a ContentPackage> {
    packages
        .iter()
        .filter(|package| package.content_id == content_id)
        .max_by_key(|package| version_key(&package.version))
}

/// A semantic version as numbers, to order versions.
pub fn version_key(version: &str) -> (u64, u64, u64) {
    let mut parts = version
        .split('.')
        .map(|part| part.parse::<u64>().unwrap_or(0));
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

/// A checked package on its way to storage.
struct Candidate {
    origin: String,
    content_id: String,
    version: String,
    kind: &'static str,
    manifest: String,
    quizzes: String,
    files: Vec<(String, Vec<u8>)>,
}

fn prefixed(origin: &str, problems: Vec<Problem>) -> impl Iterator<Item = Problem> + '_ {
    problems.into_iter().map(move |mut problem| {
        problem.file = format!("{origin}/{}", problem.file);
        problem
    })
}

impl Hub {
    /// Imports packages: checks them all, with the catalog already stored, and stores them in one transaction,
    /// or stores nothing and returns every problem.
    #[tracing::instrument(skip_all, fields(sources = sources.len()))]
    pub async fn import_content(
        &self,
        sources: Vec<ImportSource>,
    ) -> Result<ImportReport, ImportError> {
        let stored = self.storage.find_content_packages().await?;
        let mut problems = Vec::new();
        let mut modules: Vec<(String, classcode_content::ModulePackage, PackageFiles)> = Vec::new();
        let mut parcours: Vec<(String, ParcoursManifest, Vec<u8>)> = Vec::new();
        let mut courses: Vec<(String, Cmi5Course, PackageFiles)> = Vec::new();
        for source in sources {
            match source {
                ImportSource::Module { origin, files } => {
                    match classcode_content::check_module(&files) {
                        Ok(package) => modules.push((origin, package, files)),
                        Err(found) => problems.extend(prefixed(&origin, found)),
                    }
                }
                ImportSource::Parcours { origin, bytes } => {
                    match classcode_content::check_parcours(&origin, &bytes) {
                        Ok(manifest) => parcours.push((origin, manifest, bytes)),
                        Err(found) => problems.extend(found),
                    }
                }
                ImportSource::Cmi5 { origin, files } => {
                    match classcode_content::cmi5::check_course(&files) {
                        Ok(course) => courses.push((origin, course, files)),
                        Err(found) => problems.extend(prefixed(&origin, found)),
                    }
                }
            }
        }
        // Modules known after this import: the stored ones and the new ones, with their activity ids.
        let mut known: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for package in stored.iter().filter(|package| package.kind == "module") {
            if let Ok(manifest) = serde_json::from_str::<ModuleManifest>(&package.manifest) {
                known.entry(manifest.id.clone()).or_default().extend(
                    manifest
                        .activities
                        .iter()
                        .map(|activity| activity.id.clone()),
                );
            }
        }
        for (_, package, _) in &modules {
            known
                .entry(package.manifest.id.clone())
                .or_default()
                .extend(
                    package
                        .manifest
                        .activities
                        .iter()
                        .map(|activity| activity.id.clone()),
                );
        }
        for (origin, manifest, _) in &parcours {
            for step in &manifest.steps {
                match known.get(&step.module) {
                    None => problems.push(Problem {
                        file: origin.clone(),
                        line: None,
                        column: None,
                        message: format!(
                            "step module {:?} is neither stored nor in this import",
                            step.module
                        ),
                    }),
                    Some(activities) => {
                        for activity in step
                            .activities
                            .iter()
                            .filter(|id| !activities.contains(*id))
                        {
                            problems.push(Problem {
                                file: origin.clone(),
                                line: None,
                                column: None,
                                message: format!(
                                    "module {:?} has no activity {activity:?}",
                                    step.module
                                ),
                            });
                        }
                    }
                }
            }
        }
        for (origin, package, _) in &modules {
            for prerequisite in package.manifest.prerequisites.iter().filter(|id| {
                !known.contains_key(*id) && !parcours.iter().any(|(_, p, _)| &p.id == *id)
            }) {
                problems.push(Problem {
                    file: format!("{origin}/manifest.toml"),
                    line: None,
                    column: None,
                    message: format!("prerequisite {prerequisite:?} is not in the catalog"),
                });
            }
        }

        let now = Utc::now();
        let mut report = ImportReport::default();
        let mut new_packages = Vec::new();
        let mut candidates = Vec::new();
        for (origin, package, files) in modules {
            candidates.push(Candidate {
                origin,
                content_id: package.manifest.id.clone(),
                version: package.manifest.version.clone(),
                kind: "module",
                manifest: serde_json::to_string(&package.manifest).map_err(anyhow::Error::from)?,
                quizzes: serde_json::to_string(&package.quizzes).map_err(anyhow::Error::from)?,
                files: files.into_iter().collect(),
            });
        }
        for (origin, manifest, bytes) in parcours {
            let name = Path::new(&origin).file_name().map_or_else(
                || "parcours.toml".to_owned(),
                |name| name.to_string_lossy().into_owned(),
            );
            candidates.push(Candidate {
                origin,
                content_id: manifest.id.clone(),
                version: manifest.version.clone(),
                kind: "parcours",
                manifest: serde_json::to_string(&manifest).map_err(anyhow::Error::from)?,
                quizzes: "{}".to_owned(),
                files: vec![(name, bytes)],
            });
        }
        for (origin, course, files) in courses {
            // cmi5 has no version of its own: the hub numbers the imports of a course that change its files.
            let content_id = course.content_id();
            let files: Vec<(String, Vec<u8>)> = files.into_iter().collect();
            let sha256 = package_hash(&files);
            let same = stored
                .iter()
                .find(|package| package.content_id == content_id && package.sha256 == sha256);
            let version = match same {
                Some(package) => package.version.clone(),
                None => match newest(&stored, &content_id) {
                    Some(package) => {
                        let (major, minor, patch) = version_key(&package.version);
                        format!("{major}.{minor}.{}", patch + 1)
                    }
                    None => "1.0.0".to_owned(),
                },
            };
            candidates.push(Candidate {
                origin,
                content_id,
                version,
                kind: "cmi5",
                manifest: serde_json::to_string(&course).map_err(anyhow::Error::from)?,
                quizzes: "{}".to_owned(),
                files,
            });
        }
        let mut seen = BTreeSet::new();
        for candidate in candidates {
            let Candidate {
                origin,
                content_id,
                version,
                kind,
                manifest,
                quizzes,
                files,
            } = candidate;
            let label = format!("{content_id}@{version}");
            if !seen.insert(label.clone()) {
                problems.push(Problem {
                    file: origin.clone(),
                    line: None,
                    column: None,
                    message: format!("{label} appears twice in this import"),
                });
                continue;
            }
            let sha256 = package_hash(&files);
            if let Some(existing) = stored
                .iter()
                .find(|package| package.content_id == content_id && package.version == version)
            {
                if existing.sha256 == sha256 {
                    report.unchanged.push(label);
                } else {
                    problems.push(Problem {
                        file: origin.clone(),
                        line: None,
                        column: None,
                        message: format!(
                            "{label} is already imported with other content; give the new content a higher version"
                        ),
                    });
                }
                continue;
            }
            new_packages.push(NewContentPackage {
                content_id,
                version,
                kind: kind.to_owned(),
                manifest,
                quizzes,
                sha256,
                files: files
                    .into_iter()
                    .map(|(path, bytes)| {
                        let sha = hex(&Sha256::digest(&bytes));
                        (path, sha, bytes)
                    })
                    .collect(),
                imported_at: now,
            });
            report.imported.push(label);
        }
        if !problems.is_empty() {
            return Err(ImportError::Invalid(problems));
        }
        if !new_packages.is_empty() {
            self.storage.insert_content_packages(new_packages).await?;
            self.forget_catalog();
            tracing::info!(imported = report.imported.len(), "content imported");
        }
        Ok(report)
    }

    /// Every stored version.
    pub async fn list_content(&self) -> Result<Vec<ContentPackage>, StorageError> {
        self.storage.find_content_packages().await
    }

    /// Imports the demo catalog when no content is stored yet (first start). Returns what was imported.
    pub async fn import_demo_if_empty(&self) -> Result<Option<ImportReport>, ImportError> {
        if !self.storage.find_content_packages().await?.is_empty() {
            return Ok(None);
        }
        self.import_content(demo_sources()).await.map(Some)
    }

    /// The catalog: the newest version of each module and parcours, from this node's copy (read again after an
    /// import here, or after 30 s).
    pub async fn current_catalog(&self) -> anyhow::Result<Arc<Catalog>> {
        if let Ok(cached) = self.lti.catalog.read()
            && let Some((catalog, loaded)) = cached.as_ref()
            && loaded.elapsed() < CATALOG_TTL
        {
            return Ok(catalog.clone());
        }
        let mut newest: BTreeMap<String, ContentPackage> = BTreeMap::new();
        for package in self.storage.find_content_packages().await? {
            let replace = newest.get(&package.content_id).is_none_or(|current| {
                version_key(&package.version) > version_key(&current.version)
            });
            if replace {
                newest.insert(package.content_id.clone(), package);
            }
        }
        let mut modules = Vec::new();
        let mut parcours = Vec::new();
        let mut courses = Vec::new();
        for package in newest.into_values() {
            match package.kind.as_str() {
                "parcours" => {
                    parcours.push(serde_json::from_str::<ParcoursManifest>(&package.manifest)?)
                }
                "cmi5" => courses.push(serde_json::from_str::<Cmi5Course>(&package.manifest)?),
                _ => modules.push(serde_json::from_str::<ModuleManifest>(&package.manifest)?),
            }
        }
        let catalog = Arc::new(Catalog::from_manifests(modules, parcours, courses));
        if let Ok(mut cached) = self.lti.catalog.write() {
            *cached = Some((catalog.clone(), Instant::now()));
        }
        Ok(catalog)
    }

    /// One file of a stored version (content files are public, like the open content they belong to).
    pub async fn content_file(
        &self,
        content_id: &str,
        version: &str,
        path: &str,
    ) -> Result<Option<Vec<u8>>, StorageError> {
        let Some(package) = self
            .storage
            .find_content_package(content_id, version)
            .await?
        else {
            return Ok(None);
        };
        self.storage.find_content_file(package.id, path).await
    }

    fn forget_catalog(&self) {
        if let Ok(mut cached) = self.lti.catalog.write() {
            *cached = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_catalog_is_in_the_binary_with_its_videos() {
        let sources = demo_sources();
        let modules = sources
            .iter()
            .filter(|source| matches!(source, ImportSource::Module { .. }))
            .count();
        assert_eq!(modules, 5);
        assert!(
            sources
                .iter()
                .any(|source| matches!(source, ImportSource::Parcours { .. }))
        );
        for source in &sources {
            if let ImportSource::Module { origin, files } = source {
                classcode_content::check_module(files)
                    .unwrap_or_else(|problems| panic!("{origin}: {problems:?}"));
            }
        }
    }

    #[test]
    fn versions_compare_as_numbers() {
        assert!(version_key("1.10.0") > version_key("1.9.3"));
        assert!(version_key("2.0.0") > version_key("1.99.99"));
    }
}
