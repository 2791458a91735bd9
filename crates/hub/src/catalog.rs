//! The content catalog as the LTI tool sees it: modules, parcours and their activities, with titles in French and
//! English, audiences and themes, for the deep linking picker and the launch page. Built from the newest stored
//! version of each package (`content.rs`).

pub use classcode_content::Localized;
use classcode_content::cmi5::{Cmi5Course, MoveOn};
use classcode_content::{ActivityKind, ModuleManifest, ParcoursManifest};

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
    /// An imported cmi5 course: launched whole, each AU the way cmi5 says.
    Cmi5,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Module => "module",
            Self::Parcours => "parcours",
            Self::Activity => "activity",
            Self::Cmi5 => "cmi5",
        }
    }
}

/// The catalog: the pickable items of the newest module and parcours versions, computed once.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    items: Vec<CatalogItem>,
}

/// The parcours a launch opens when the link names no content.
pub const DEFAULT_CONTENT_ID: &str = "fr.classcode.parcours.decouverte";

impl Catalog {
    /// The catalog of these modules, parcours and cmi5 courses.
    pub fn from_manifests(
        modules: Vec<ModuleManifest>,
        parcours: Vec<ParcoursManifest>,
        courses: Vec<Cmi5Course>,
    ) -> Catalog {
        let mut items = Vec::new();
        for parcours in parcours {
            items.push(CatalogItem {
                content_id: parcours.id,
                kind: ItemKind::Parcours,
                title: parcours.title,
                summary: parcours.description,
                audience: parcours.audience,
                themes: Vec::new(),
                duration_minutes: Some(parcours.duration_minutes),
                is_graded: parcours.certification.is_some(),
            });
        }
        for module in modules {
            let is_graded = module
                .certification
                .as_ref()
                .is_some_and(|certification| certification.quiz.is_some());
            items.push(CatalogItem {
                content_id: module.id.clone(),
                kind: ItemKind::Module,
                title: module.title.clone(),
                summary: module.description.clone(),
                audience: module.audience.clone(),
                themes: module.themes.clone(),
                duration_minutes: Some(module.duration_minutes),
                is_graded,
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
                    is_graded: activity.kind == ActivityKind::Quiz,
                });
            }
        }
        for course in courses {
            items.push(CatalogItem {
                content_id: course.content_id(),
                kind: ItemKind::Cmi5,
                is_graded: course.units.iter().any(|unit| {
                    matches!(unit.move_on, MoveOn::Passed | MoveOn::CompletedAndPassed)
                }),
                title: course.title,
                summary: course.description,
                audience: Vec::new(),
                themes: vec!["cmi5".to_owned()],
                duration_minutes: None,
            });
        }
        Catalog { items }
    }

    /// Every pickable item: parcours first, then each module followed by its activities.
    pub fn items(&self) -> &[CatalogItem] {
        &self.items
    }

    /// The content a launch opens: the one named if the catalog has it, else the default parcours, else the
    /// first item; `None` for an empty catalog.
    pub fn launchable(&self, named: Option<&str>) -> Option<&CatalogItem> {
        named
            .and_then(|id| self.item(id))
            .or_else(|| self.item(DEFAULT_CONTENT_ID))
            .or_else(|| self.items.first())
    }

    /// The item with this content id.
    pub fn item(&self, content_id: &str) -> Option<&CatalogItem> {
        self.items.iter().find(|item| item.content_id == content_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{ImportSource, demo_sources};

    fn demo() -> Catalog {
        let mut modules = Vec::new();
        let mut parcours = Vec::new();
        for source in demo_sources() {
            match source {
                ImportSource::Module { files, .. } => {
                    modules.push(classcode_content::check_module(&files).unwrap().manifest);
                }
                ImportSource::Parcours { origin, bytes } => {
                    parcours.push(classcode_content::check_parcours(&origin, &bytes).unwrap());
                }
                ImportSource::Cmi5 { .. } => {}
            }
        }
        Catalog::from_manifests(modules, parcours, Vec::new())
    }

    #[test]
    fn the_demo_catalog_has_five_modules_a_parcours_and_activities_a_la_carte() {
        let catalog = demo();
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
    fn a_launch_opens_the_named_content_else_the_default_else_the_first() {
        let catalog = demo();
        assert_eq!(
            catalog
                .launchable(Some("fr.classcode.reseaux"))
                .unwrap()
                .content_id,
            "fr.classcode.reseaux"
        );
        assert_eq!(
            catalog.launchable(Some("unknown")).unwrap().content_id,
            DEFAULT_CONTENT_ID
        );
        assert!(Catalog::default().launchable(None).is_none());
    }
}
