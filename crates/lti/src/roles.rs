//! LTI roles (LTI 1.3 Core §5.3.7 and Appendix A): context, institution and system roles, full URIs or the
//! short context forms some platforms still send, and sub-roles (`membership/Instructor#TeachingAssistant`).

/// What a launch lets a person do in the hub, from their roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Standing {
    /// No role, or only roles the hub does not know: treated as a learner that is not graded
    /// (the 1EdTech certification launches with no role and expects the tool to cope).
    Guest,
    /// A learner of the context: tracked and graded.
    Learner,
    /// Teaches the context: sees the roster and dashboards, picks content; never graded.
    Instructor,
    /// Administers the platform or the institution: as an instructor, and never graded.
    Administrator,
}

const MEMBERSHIP: &str = "http://purl.imsglobal.org/vocab/lis/v2/membership#";
const MEMBERSHIP_SUB: &str = "http://purl.imsglobal.org/vocab/lis/v2/membership/";
const INSTITUTION: &str = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#";
const SYSTEM: &str = "http://purl.imsglobal.org/vocab/lis/v2/system/person#";

/// The highest standing that the roles give.
pub fn standing(roles: &[String]) -> Standing {
    roles
        .iter()
        .map(|role| role_standing(role))
        .max()
        .unwrap_or(Standing::Guest)
}

fn role_standing(role: &str) -> Standing {
    let role = role.trim();
    if let Some(name) = role.strip_prefix(SYSTEM) {
        return match name {
            "Administrator" | "SysAdmin" => Standing::Administrator,
            _ => Standing::Guest,
        };
    }
    if let Some(name) = role.strip_prefix(INSTITUTION) {
        return match name {
            "Administrator" => Standing::Administrator,
            "Instructor" | "Faculty" | "Staff" => Standing::Instructor,
            "Learner" | "Student" => Standing::Learner,
            _ => Standing::Guest,
        };
    }
    // A sub-role (`membership/Instructor#TeachingAssistant`) takes the standing of its principal role.
    let context_name = role
        .strip_prefix(MEMBERSHIP)
        .or_else(|| {
            role.strip_prefix(MEMBERSHIP_SUB)
                .and_then(|rest| rest.split('#').next())
        })
        .unwrap_or(role);
    match context_name {
        "Administrator" => Standing::Administrator,
        "Instructor" | "ContentDeveloper" | "Mentor" | "Manager" => Standing::Instructor,
        "Learner" => Standing::Learner,
        _ => Standing::Guest,
    }
}

impl Standing {
    /// Whether this person may see the roster and pick content.
    pub fn is_staff(self) -> bool {
        matches!(self, Self::Instructor | Self::Administrator)
    }

    /// Whether scores go to the gradebook for this person (AGS: learners only).
    pub fn is_graded(self) -> bool {
        self == Self::Learner
    }

    /// A stable lowercase name, for storage and templates.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Guest => "guest",
            Self::Learner => "learner",
            Self::Instructor => "instructor",
            Self::Administrator => "administrator",
        }
    }

    /// Reads [`Standing::as_str`] back.
    pub fn parse(value: &str) -> Option<Self> {
        [
            Self::Guest,
            Self::Learner,
            Self::Instructor,
            Self::Administrator,
        ]
        .into_iter()
        .find(|standing| standing.as_str() == value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(roles: &[&str]) -> Standing {
        standing(
            &roles
                .iter()
                .map(|role| (*role).to_owned())
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn context_roles_in_full_and_short_forms_are_read() {
        assert_eq!(
            of(&["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]),
            Standing::Learner
        );
        assert_eq!(of(&["Instructor"]), Standing::Instructor);
        assert_eq!(of(&["Learner"]), Standing::Learner);
    }

    #[test]
    fn sub_roles_take_their_principal_role() {
        assert_eq!(
            of(&["http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"]),
            Standing::Instructor
        );
    }

    #[test]
    fn the_highest_role_wins_and_admins_are_never_graded() {
        let admin = of(&[
            "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",
            "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator",
        ]);
        assert_eq!(admin, Standing::Administrator);
        assert!(admin.is_staff());
        assert!(!admin.is_graded());
    }

    #[test]
    fn no_roles_or_unknown_roles_make_an_ungraded_guest() {
        assert_eq!(of(&[]), Standing::Guest);
        assert_eq!(of(&["http://example.org/roles#Wizard"]), Standing::Guest);
        assert!(!Standing::Guest.is_graded());
    }

    #[test]
    fn institution_roles_alone_do_not_make_a_context_learner_staff() {
        assert_eq!(
            of(&["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student"]),
            Standing::Learner
        );
    }
}
