//! The tidy checks: every `.rs` file opens with a `//!` line, and crates depend on each other only as
//! ARCHITECTURE.md says.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// Crates that must stay pure: no I/O runtime, no web framework, no database, no HTTP client.
const PURE_CRATES: &[&str] = &["classcode-xapi", "classcode-lti", "classcode-badges"];
const IMPURE_DEPENDENCIES: &[&str] = &[
    "tokio",
    "actix-web",
    "sea-orm",
    "sea-orm-migration",
    "sqlx",
    "reqwest",
];

/// Which crates may name a dependency directly (a dependency not listed here is free to use).
const ALLOWED_USERS: &[(&str, &[&str])] = &[
    ("actix-web", &["classcode-server", "classcode-test-support"]),
    ("sea-orm", &["classcode-storage"]),
    (
        "sea-orm-migration",
        &["classcode-storage", "classcode-migrations"],
    ),
    ("sqlx", &["classcode-storage"]),
    (
        "classcode-server",
        &["classcode", "classcode-test-support", "classcode-e2e"],
    ),
    (
        "classcode-storage",
        &[
            "classcode-hub",
            "classcode-server",
            "classcode-bench",
            "classcode",
            "classcode-test-support",
        ],
    ),
    ("classcode-migrations", &["classcode-storage"]),
];

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Returns every broken rule, as sentences naming the file.
pub fn check(root: &Path) -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    for dir in ["crates", "migrations", "tests"] {
        check_module_docs(root, &root.join(dir), &mut problems)?;
    }
    check_dependencies(root, &mut problems)?;
    Ok(problems)
}

fn check_module_docs(root: &Path, dir: &Path, problems: &mut Vec<String>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            if path
                .file_name()
                .is_some_and(|name| name == "target" || name == "node_modules")
            {
                continue;
            }
            check_module_docs(root, &path, problems)?;
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            if !text.starts_with("//!") {
                let shown = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .display()
                    .to_string();
                problems.push(format!(
                    "{shown} must open with a `//!` line saying what the module is for"
                ));
            }
        }
    }
    Ok(())
}

fn check_dependencies(root: &Path, problems: &mut Vec<String>) -> anyhow::Result<()> {
    let workspace: toml::Table = read_toml(&root.join("Cargo.toml"))?;
    let members = workspace
        .get("workspace")
        .and_then(|w| w.get("members"))
        .and_then(|m| m.as_array())
        .context("Cargo.toml has no [workspace] members")?;
    for member in members.iter().filter_map(|m| m.as_str()) {
        let manifest_path = root.join(member).join("Cargo.toml");
        let manifest = read_toml(&manifest_path)?;
        let name = manifest
            .get("package")
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str())
            .with_context(|| format!("{member}/Cargo.toml has no package name"))?;
        let dependencies: Vec<&str> = manifest
            .get("dependencies")
            .and_then(|d| d.as_table())
            .map(|table| table.keys().map(String::as_str).collect())
            .unwrap_or_default();
        for dependency in &dependencies {
            if PURE_CRATES.contains(&name) && IMPURE_DEPENDENCIES.contains(dependency) {
                problems.push(format!("{name} is a pure crate and must not depend on {dependency} ({member}/Cargo.toml)"));
            }
            if let Some((_, users)) = ALLOWED_USERS.iter().find(|(used, _)| used == dependency)
                && !users.contains(&name)
            {
                problems.push(format!(
                    "{name} must not depend on {dependency} directly ({member}/Cargo.toml); see ARCHITECTURE.md"
                ));
            }
        }
    }
    Ok(())
}

fn read_toml(path: &Path) -> anyhow::Result<toml::Table> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_is_tidy() {
        let problems = check(&workspace_root()).unwrap();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn tidy_finds_a_file_without_module_docs_and_a_forbidden_edge() {
        let dir = std::env::temp_dir().join(format!("classcode-tidy-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("crates/hub/src")).unwrap();
        std::fs::create_dir_all(dir.join("migrations")).unwrap();
        std::fs::create_dir_all(dir.join("tests")).unwrap();
        std::fs::write(
            dir.join("Cargo.toml"),
            "[workspace]\nmembers = [\"crates/hub\"]\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("crates/hub/Cargo.toml"),
            "[package]\nname = \"classcode-hub\"\n[dependencies]\nactix-web = \"4\"\n",
        )
        .unwrap();
        std::fs::write(dir.join("crates/hub/src/lib.rs"), "pub fn f() {}\n").unwrap();

        let problems = check(&dir).unwrap();
        std::fs::remove_dir_all(&dir).ok();

        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("crates/hub/src/lib.rs"));
        assert!(problems[1].contains("must not depend on actix-web"));
    }
}
