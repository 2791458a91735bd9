//! The content catalog as the LTI tool sees it: modules, parcours and their activities, with titles in French and
//! English, audiences and themes, for the deep linking picker and the launch page. The demo catalog ships inside
//! the binary; the content importer (content issue) will feed the same types from storage.

use std::collections::BTreeMap;

use serde::Deserialize;

/// Text in French and English; French is the default everywhere.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Localized {
    pub fr: String,
    #[serde(default)]
    pub en: Option<String>,
}

impl Localized {
    /// The text in `lang` (`"en"` gives English when there is some), else French.
    pub fn get(&self, lang: &str) -> &str {
        match (lang, &self.en) {
            ("en", Some(english)) if !english.is_empty() => english,
            _ => &self.fr,
        }
    }
}

/// One activity of a module.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Activity {
    pub id: String,
    pub kind: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub duration_minutes: Option<u32>,
    pub title: Localized,
}

/// What certifies a module: used here to say whether an item is graded.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Certification {
    #[serde(default)]
    pub quiz: Option<String>,
    #[serde(default)]
    pub min_scaled_score: Option<f64>,
}

/// A module or a parcours step list.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Module {
    pub id: String,
    pub version: String,
    pub title: Localized,
    pub description: Localized,
    #[serde(default)]
    pub audience: Vec<String>,
    #[serde(default)]
    pub themes: Vec<String>,
    #[serde(default)]
    pub duration_minutes: Option<u32>,
    #[serde(default)]
    pub activities: Vec<Activity>,
    #[serde(default)]
    pub steps: Vec<Step>,
    #[serde(default)]
    pub certification: Option<Certification>,
}

/// One step of a parcours: activities of a module.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Step {
    pub module: String,
    #[serde(default)]
    pub activities: Vec<String>,
}

impl Module {
    /// Whether this is a parcours (a sequence across modules) rather than a module.
    pub fn is_parcours(&self) -> bool {
        !self.steps.is_empty()
    }
}

/// What a teacher can pick: a module, a parcours, or one activity "à la carte".
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogItem {
    /// `module-id`, or `module-id#activity-id` for a single activity.
    pub content_id: String,
    pub kind: ItemKind,
    pub title: Localized,
    pub summary: Localized,
    pub audience: Vec<String>,
    pub themes: Vec<String>,
    pub duration_minutes: Option<u32>,
    /// Whether a score goes to the gradebook for it.
    pub is_graded: bool,
}

/// The kind of a catalog item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Module,
    Parcours,
    Activity,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Module => "module",
            Self::Parcours => "parcours",
            Self::Activity => "activity",
        }
    }
}

/// The catalog: modules and parcours by id, and the pickable items, computed once.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    modules: BTreeMap<String, Module>,
    items: Vec<CatalogItem>,
}

const DEMO_MANIFESTS: [&str; 6] = [
    include_str!("../../../content/demo/programmation-creative/manifest.toml"),
    include_str!("../../../content/demo/information/manifest.toml"),
    include_str!("../../../content/demo/reseaux/manifest.toml"),
    include_str!("../../../content/demo/robotique/manifest.toml"),
    include_str!("../../../content/demo/projet/manifest.toml"),
    include_str!("../../../content/demo/parcours/decouverte.toml"),
];

/// The parcours a launch opens when the link names no content.
pub const DEFAULT_CONTENT_ID: &str = "fr.classcode.parcours.decouverte";

impl Catalog {
    /// The demo catalog shipped with the hub.
    pub fn demo() -> anyhow::Result<Catalog> {
        let mut catalog = Catalog::default();
        for manifest in DEMO_MANIFESTS {
            let module: Module = toml::from_str(manifest)
                .map_err(|err| anyhow::anyhow!("demo manifest does not parse: {err}"))?;
            catalog.modules.insert(module.id.clone(), module);
        }
        catalog.items = catalog.compute_items();
        Ok(catalog)
    }

    /// A module or parcours by id.
    pub fn module(&self, id: &str) -> Option<&Module> {
        self.modules.get(id)
    }

    /// Every pickable item: parcours first, then each module followed by its activities.
    pub fn items(&self) -> &[CatalogItem] {
        &self.items
    }

    fn compute_items(&self) -> Vec<CatalogItem> {
        let mut items = Vec::new();
        let (parcours, modules): (Vec<&Module>, Vec<&Module>) = self
            .modules
            .values()
            .partition(|module| module.is_parcours());
        for module in parcours.into_iter().chain(modules) {
            let is_graded = module
                .certification
                .as_ref()
                .is_some_and(|certification| certification.quiz.is_some());
            items.push(CatalogItem {
                content_id: module.id.clone(),
                kind: if module.is_parcours() {
                    ItemKind::Parcours
                } else {
                    ItemKind::Module
                },
                title: module.title.clone(),
                summary: module.description.clone(),
                audience: module.audience.clone(),
                themes: module.themes.clone(),
                duration_minutes: module.duration_minutes,
                is_graded: is_graded || module.is_parcours(),
            });
            for activity in &module.activities {
                items.push(CatalogItem {
                    content_id: format!("{}#{}", module.id, activity.id),
                    kind: ItemKind::Activity,
                    title: activity.title.clone(),
                    summary: module.title.clone(),
                    audience: module.audience.clone(),
                    themes: module.themes.clone(),
                    duration_minutes: activity.duration_minutes,
                    is_graded: activity.kind == "quiz",
                });
            }
        }
        items
    }

    /// The item with this content id.
    pub fn item(&self, content_id: &str) -> Option<&CatalogItem> {
        self.items.iter().find(|item| item.content_id == content_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_catalog_has_five_modules_a_parcours_and_activities_a_la_carte() {
        let catalog = Catalog::demo().unwrap();
        let items = catalog.items();
        let count = |kind| items.iter().filter(|item| item.kind == kind).count();
        assert_eq!(count(ItemKind::Module), 5);
        assert_eq!(count(ItemKind::Parcours), 1);
        assert!(count(ItemKind::Activity) >= 25);
        assert_eq!(items[0].content_id, DEFAULT_CONTENT_ID);
        let binary = catalog.item("fr.classcode.information").unwrap();
        assert!(binary.is_graded);
        assert_eq!(
            binary.title.get("fr"),
            "Manipuler l'information : du bit à l'image"
        );
    }

    #[test]
    fn english_falls_back_to_french() {
        let text = Localized {
            fr: "Bonjour".to_owned(),
            en: None,
        };
        assert_eq!(text.get("en"), "Bonjour");
    }
}
