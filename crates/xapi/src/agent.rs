//! Actors and their inverse functional identifiers (IFIs): `mbox`, `mbox_sha1sum`, `openid`, `account`.

use std::fmt;

use serde_json::{Map, Value};

/// The four IFI property names of xAPI (Data §2.4.2.3).
pub const IFI_PROPERTIES: [&str; 4] = ["mbox", "mbox_sha1sum", "openid", "account"];

/// A canonical, comparable key for an agent or identified group: the kind of IFI and its value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AgentKey(String);

impl AgentKey {
    /// The key of an agent or identified group; `None` for an anonymous group or an object without one IFI.
    pub fn of(actor: &Value) -> Option<AgentKey> {
        Self::of_map(actor.as_object()?)
    }

    pub fn of_map(actor: &Map<String, Value>) -> Option<AgentKey> {
        let mut found = IFI_PROPERTIES
            .iter()
            .filter(|name| actor.get(**name).is_some_and(|v| !v.is_null()));
        let name = found.next()?;
        if found.next().is_some() {
            return None;
        }
        let value = &actor[*name];
        let key = match *name {
            "mbox" => format!("mbox:{}", value.as_str()?),
            "mbox_sha1sum" => format!("mbox_sha1sum:{}", value.as_str()?.to_ascii_lowercase()),
            "openid" => format!("openid:{}", value.as_str()?),
            _ => {
                let account = value.as_object()?;
                format!(
                    "account:{} {}",
                    account.get("homePage")?.as_str()?,
                    account.get("name")?.as_str()?
                )
            }
        };
        Some(AgentKey(key))
    }

    /// Rebuilds a key read back from storage.
    pub fn from_stored(text: String) -> AgentKey {
        AgentKey(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The IFI part of an actor object: `{"mbox": …}` or `{"account": {…}}`, for the `ids` format and documents.
    pub fn ifi_only(actor: &Map<String, Value>) -> Map<String, Value> {
        actor
            .iter()
            .filter(|(name, _)| IFI_PROPERTIES.contains(&name.as_str()))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect()
    }
}

impl fmt::Display for AgentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::AgentKey;

    #[test]
    fn each_ifi_gives_a_distinct_key() {
        let mbox = AgentKey::of(&json!({"mbox": "mailto:ada@example.org", "name": "Ada"})).unwrap();
        let sha =
            AgentKey::of(&json!({"mbox_sha1sum": "ABCDEF0123456789abcdef0123456789abcdef01"}))
                .unwrap();
        let account =
            AgentKey::of(&json!({"account": {"homePage": "https://lms.example", "name": "42"}}))
                .unwrap();
        assert_eq!(mbox.as_str(), "mbox:mailto:ada@example.org");
        assert_eq!(
            sha.as_str(),
            "mbox_sha1sum:abcdef0123456789abcdef0123456789abcdef01"
        );
        assert_eq!(account.as_str(), "account:https://lms.example 42");
    }

    #[test]
    fn anonymous_groups_and_double_ifis_have_no_key() {
        assert!(AgentKey::of(&json!({"objectType": "Group", "member": []})).is_none());
        assert!(AgentKey::of(&json!({"mbox": "mailto:a@b.c", "openid": "https://a.b"})).is_none());
    }
}
