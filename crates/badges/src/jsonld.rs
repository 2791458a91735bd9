//! JSON-LD 1.1 to RDF for the documents the hub signs: expansion and the toRDF step folded into one walk, with the
//! contexts bundled in `contexts/` (W3C VC 2.0 and 1EdTech OB 3.0.3) and no network. It follows the JSON-LD 1.1
//! Processing Algorithms for what those contexts use: term definitions, `@vocab`, compact IRIs, keyword aliases,
//! type-scoped contexts (not propagated into nested nodes), property-scoped contexts, `@type` coercion (`@id`,
//! `@vocab`, `@json`, datatypes), `@set` and `@list` containers. Anything else (`@graph` containers, language and
//! index maps, `@reverse`, relative IRIs, unknown contexts) is refused with an error rather than guessed.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value};

pub const CREDENTIALS_V2: &str = "https://www.w3.org/ns/credentials/v2";
pub const OB_V3P0_3_0_3: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
pub const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";
const XSD_BOOLEAN: &str = "http://www.w3.org/2001/XMLSchema#boolean";
const XSD_INTEGER: &str = "http://www.w3.org/2001/XMLSchema#integer";
const XSD_DOUBLE: &str = "http://www.w3.org/2001/XMLSchema#double";
const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const RDF_FIRST: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first";
const RDF_REST: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest";
const RDF_NIL: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#nil";
const RDF_JSON: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON";

/// What stops a document from being turned into RDF.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum JsonLdError {
    #[error(
        "unknown JSON-LD context {0} (only the bundled VC 2.0 and OB 3.0.3 contexts are known)"
    )]
    UnknownContext(String),
    #[error("{path}: {message}")]
    Unsupported { path: String, message: String },
}

/// An RDF term.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Term {
    Iri(String),
    /// A blank node, by its label without `_:`.
    Blank(String),
    Literal {
        value: String,
        datatype: String,
        language: Option<String>,
    },
}

/// An RDF triple in the default graph (the documents signed here have no named graphs).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quad {
    pub subject: Term,
    pub predicate: Term,
    pub object: Term,
}

#[derive(Clone, Debug, Default)]
struct TermDefinition {
    /// The IRI or keyword the term maps to; `None` for a term mapped to null.
    id: Option<String>,
    type_mapping: Option<String>,
    container: Vec<String>,
    scoped_context: Option<Value>,
}

#[derive(Clone, Debug, Default)]
struct Context {
    terms: HashMap<String, TermDefinition>,
    vocab: Option<String>,
    /// The context to go back to in nested nodes, set by a type-scoped context (JSON-LD 1.1 `@propagate: false`).
    previous: Option<Arc<Context>>,
}

fn bundled(url: &str) -> Result<&'static Value, JsonLdError> {
    static CONTEXTS: OnceLock<HashMap<&'static str, Value>> = OnceLock::new();
    let contexts = CONTEXTS.get_or_init(|| {
        let mut contexts = HashMap::new();
        for (url, text) in [
            (
                CREDENTIALS_V2,
                include_str!("../contexts/credentials-v2.jsonld"),
            ),
            (
                OB_V3P0_3_0_3,
                include_str!("../contexts/ob-v3p0-3.0.3.jsonld"),
            ),
        ] {
            // The bundled files are checked by a unit test; a broken one yields an empty context map entry.
            let document: Value = serde_json::from_str(text).unwrap_or(Value::Null);
            contexts.insert(url, document["@context"].clone());
        }
        contexts
    });
    contexts
        .get(url)
        .filter(|context| context.is_object())
        .ok_or_else(|| JsonLdError::UnknownContext(url.to_owned()))
}

fn unsupported(path: &str, message: impl Into<String>) -> JsonLdError {
    JsonLdError::Unsupported {
        path: path.to_owned(),
        message: message.into(),
    }
}

fn is_keyword(value: &str) -> bool {
    value.starts_with('@') && value.len() > 1 && value[1..].chars().all(|c| c.is_ascii_alphabetic())
}

fn is_absolute_iri(value: &str) -> bool {
    match value.split_once(':') {
        Some((scheme, _)) => {
            !scheme.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

impl Context {
    /// JSON-LD 1.1 Context Processing for a context value (a URL of a bundled context, an object, or an array of
    /// them). With `propagate` false (a type-scoped context), the result remembers where nested nodes go back to.
    fn process(
        self: &Arc<Context>,
        local: &Value,
        propagate: bool,
        path: &str,
    ) -> Result<Arc<Context>, JsonLdError> {
        let mut result = (**self).clone();
        if !propagate && result.previous.is_none() {
            result.previous = Some(self.clone());
        }
        let locals = match local {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        for local in locals {
            let definitions = match local {
                Value::Null => {
                    let previous = result.previous.take();
                    result = Context {
                        previous,
                        ..Context::default()
                    };
                    continue;
                }
                Value::String(url) => bundled(url)?,
                Value::Object(_) => local,
                _ => return Err(unsupported(path, "a context must be a URL or an object")),
            };
            let Value::Object(definitions) = definitions else {
                return Err(unsupported(path, "a context must be an object"));
            };
            if let Some(vocab) = definitions.get("@vocab") {
                result.vocab = match vocab {
                    Value::Null => None,
                    Value::String(vocab) if is_absolute_iri(vocab) => Some(vocab.clone()),
                    _ => return Err(unsupported(path, "@vocab must be an absolute IRI")),
                };
            }
            for key in ["@base", "@language", "@direction", "@import"] {
                if definitions.contains_key(key) {
                    return Err(unsupported(path, format!("{key} in a context")));
                }
            }
            for (term, definition) in definitions {
                if term.starts_with('@') {
                    continue;
                }
                let definition = match definition {
                    Value::Null => TermDefinition::default(),
                    Value::String(id) => TermDefinition {
                        id: Some(id.clone()),
                        ..TermDefinition::default()
                    },
                    Value::Object(map) => {
                        for key in ["@reverse", "@language", "@direction", "@index", "@nest"] {
                            if map.contains_key(key) {
                                return Err(unsupported(
                                    path,
                                    format!("{key} in the definition of {term}"),
                                ));
                            }
                        }
                        TermDefinition {
                            id: match map.get("@id") {
                                Some(Value::String(id)) => Some(id.clone()),
                                Some(Value::Null) => None,
                                // Without @id, the term expands through its own name (compact IRI or @vocab).
                                _ => Some(term.clone()),
                            },
                            type_mapping: map
                                .get("@type")
                                .and_then(Value::as_str)
                                .map(str::to_owned),
                            container: match map.get("@container") {
                                Some(Value::String(container)) => vec![container.clone()],
                                Some(Value::Array(items)) => items
                                    .iter()
                                    .filter_map(Value::as_str)
                                    .map(str::to_owned)
                                    .collect(),
                                _ => Vec::new(),
                            },
                            scoped_context: map.get("@context").cloned(),
                        }
                    }
                    _ => return Err(unsupported(path, format!("the definition of {term}"))),
                };
                result.terms.insert(term.clone(), definition);
            }
        }
        Ok(Arc::new(result))
    }

    /// IRI Expansion: a keyword stays itself; with `vocab`, a term maps to its definition and anything else that
    /// is no IRI goes under `@vocab`. Returns `None` for a term mapped to null or a value that expands to no IRI.
    fn expand_iri(&self, value: &str, vocab: bool) -> Option<String> {
        self.expand_iri_depth(value, vocab, 0)
    }

    fn expand_iri_depth(&self, value: &str, vocab: bool, depth: usize) -> Option<String> {
        if is_keyword(value) {
            return Some(value.to_owned());
        }
        if depth > 16 {
            return None;
        }
        if vocab && let Some(definition) = self.terms.get(value) {
            let id = definition.id.as_deref()?;
            if id == value {
                // A term defined without @id (or as itself): expand its name as a compact IRI or under @vocab.
                return self.expand_unmapped(value, true, depth);
            }
            return self.expand_iri_depth(id, true, depth + 1);
        }
        self.expand_unmapped(value, vocab, depth)
    }

    /// A value no term maps: a blank node label, an absolute IRI, a compact IRI whose prefix is a term, or (with
    /// `vocab`) a name under `@vocab`.
    fn expand_unmapped(&self, value: &str, vocab: bool, depth: usize) -> Option<String> {
        if let Some((prefix, suffix)) = value.split_once(':') {
            if prefix == "_" || suffix.starts_with("//") {
                return Some(value.to_owned());
            }
            if let Some(definition) = self.terms.get(prefix)
                && let Some(id) = &definition.id
                && id != prefix
            {
                let base = self.expand_iri_depth(id, true, depth + 1)?;
                return Some(format!("{base}{suffix}"));
            }
            if is_absolute_iri(value) {
                return Some(value.to_owned());
            }
        }
        if vocab && let Some(vocab) = &self.vocab {
            return Some(format!("{vocab}{value}"));
        }
        None
    }
}

/// Turns a compacted JSON-LD document into its RDF triples. Blank nodes are labelled `b0`, `b1`… in document order;
/// canonicalize before comparing or hashing.
pub fn to_rdf(document: &Value) -> Result<Vec<Quad>, JsonLdError> {
    let mut walker = Walker {
        quads: Vec::new(),
        blank_count: 0,
    };
    let Value::Object(map) = document else {
        return Err(unsupported("$", "a document must be a JSON object"));
    };
    walker.node(&Arc::new(Context::default()), map, "$")?;
    Ok(walker.quads)
}

struct Walker {
    quads: Vec<Quad>,
    blank_count: usize,
}

impl Walker {
    fn blank(&mut self) -> Term {
        let label = format!("b{}", self.blank_count);
        self.blank_count += 1;
        Term::Blank(label)
    }

    fn node(
        &mut self,
        ctx: &Arc<Context>,
        map: &Map<String, Value>,
        path: &str,
    ) -> Result<Term, JsonLdError> {
        let mut ctx = ctx.clone();
        if let Some(local) = map.get("@context") {
            ctx = ctx.process(local, true, &format!("{path}.@context"))?;
        }
        // Keys aliased to @id and @type (the VC and OB contexts alias `id` and `type`).
        let mut id = None;
        let mut types: Vec<&str> = Vec::new();
        for (key, value) in map {
            match ctx.expand_iri(key, true).as_deref() {
                Some("@id") => {
                    id = Some(
                        value
                            .as_str()
                            .ok_or_else(|| unsupported(path, format!("{key} must be a string")))?,
                    )
                }
                Some("@type") => match value {
                    Value::String(one) => types.push(one),
                    Value::Array(many) => {
                        for one in many {
                            types.push(one.as_str().ok_or_else(|| {
                                unsupported(path, format!("{key} must hold strings"))
                            })?);
                        }
                    }
                    _ => return Err(unsupported(path, format!("{key} must be a string"))),
                },
                _ => {}
            }
        }
        // Type-scoped contexts, looked up in the context as it stood before any of them, in lexical order.
        let type_scoped = ctx.clone();
        let mut sorted_types = types.clone();
        sorted_types.sort_unstable();
        for one in &sorted_types {
            if let Some(scoped) = type_scoped
                .terms
                .get(*one)
                .and_then(|definition| definition.scoped_context.as_ref())
            {
                ctx = ctx.process(scoped, false, &format!("{path}.type"))?;
            }
        }
        let subject = match id {
            Some(id) => {
                let expanded = ctx
                    .expand_iri(id, false)
                    .filter(|iri| is_absolute_iri(iri))
                    .ok_or_else(|| unsupported(path, format!("id {id} is not an absolute IRI")))?;
                if let Some(label) = expanded.strip_prefix("_:") {
                    Term::Blank(format!("doc-{label}"))
                } else {
                    Term::Iri(expanded)
                }
            }
            None => self.blank(),
        };
        for one in &types {
            let iri = type_scoped
                .expand_iri(one, true)
                .filter(|iri| is_absolute_iri(iri))
                .ok_or_else(|| unsupported(path, format!("type {one} expands to no IRI")))?;
            self.quads.push(Quad {
                subject: subject.clone(),
                predicate: Term::Iri(RDF_TYPE.to_owned()),
                object: Term::Iri(iri),
            });
        }
        let mut keys: Vec<&String> = map.keys().collect();
        keys.sort_unstable();
        for key in keys {
            let value = &map[key];
            let property_path = format!("{path}.{key}");
            // A term the contexts do not define would be dropped by JSON-LD, unsigned; verifiers in "safe mode"
            // refuse such documents, so it is an error here.
            let Some(property) = ctx.expand_iri(key, true) else {
                return Err(unsupported(
                    &property_path,
                    format!("{key} is not defined by the contexts"),
                ));
            };
            match property.as_str() {
                "@id" | "@type" | "@context" => continue,
                other if other.starts_with('@') => {
                    return Err(unsupported(&property_path, format!("{other} in a node")));
                }
                other if !is_absolute_iri(other) => {
                    return Err(unsupported(
                        &property_path,
                        format!("{key} is not defined by the contexts"),
                    ));
                }
                _ => {}
            }
            let definition = ctx.terms.get(key.as_str()).cloned().unwrap_or_default();
            if definition
                .container
                .iter()
                .any(|container| !matches!(container.as_str(), "@set" | "@list"))
            {
                return Err(unsupported(
                    &property_path,
                    format!("container {:?}", definition.container),
                ));
            }
            let value_ctx = match &definition.scoped_context {
                Some(scoped) => ctx.process(scoped, true, &property_path)?,
                None => ctx.clone(),
            };
            let is_list = definition.container.iter().any(|c| c == "@list");
            let items: Vec<&Value> = match value {
                Value::Array(items) if definition.type_mapping.as_deref() != Some("@json") => {
                    items.iter().collect()
                }
                Value::Null => Vec::new(),
                other => vec![other],
            };
            let mut objects = Vec::new();
            for (index, item) in items.into_iter().enumerate() {
                let item_path = format!("{property_path}[{index}]");
                if let Some(object) = self.value(&value_ctx, &definition, item, &item_path)? {
                    objects.push(object);
                }
            }
            let predicate = Term::Iri(property);
            if is_list {
                let head = self.list(objects);
                self.quads.push(Quad {
                    subject: subject.clone(),
                    predicate,
                    object: head,
                });
            } else {
                for object in objects {
                    self.quads.push(Quad {
                        subject: subject.clone(),
                        predicate: predicate.clone(),
                        object,
                    });
                }
            }
        }
        Ok(subject)
    }

    fn list(&mut self, items: Vec<Term>) -> Term {
        let mut head = Term::Iri(RDF_NIL.to_owned());
        for item in items.into_iter().rev() {
            let node = self.blank();
            self.quads.push(Quad {
                subject: node.clone(),
                predicate: Term::Iri(RDF_FIRST.to_owned()),
                object: item,
            });
            self.quads.push(Quad {
                subject: node.clone(),
                predicate: Term::Iri(RDF_REST.to_owned()),
                object: head,
            });
            head = node;
        }
        head
    }

    fn value(
        &mut self,
        ctx: &Arc<Context>,
        definition: &TermDefinition,
        value: &Value,
        path: &str,
    ) -> Result<Option<Term>, JsonLdError> {
        let type_mapping = definition.type_mapping.as_deref();
        if type_mapping == Some("@json") {
            return Ok(Some(Term::Literal {
                value: canonical_json(value),
                datatype: RDF_JSON.to_owned(),
                language: None,
            }));
        }
        let datatype = match type_mapping {
            Some("@id" | "@vocab") | None => None,
            Some(iri) => Some(
                ctx.expand_iri(iri, true)
                    .ok_or_else(|| unsupported(path, format!("datatype {iri}")))?,
            ),
        };
        Ok(match value {
            Value::Null => None,
            Value::Object(map) => {
                if map.contains_key("@value") {
                    return Err(unsupported(path, "value objects"));
                }
                // A nested node goes back to the context before any type-scoped one (JSON-LD 1.1 §4.1.8).
                let nested = match &ctx.previous {
                    Some(previous) => {
                        // A property-scoped context still applies: it was processed on top of the parent's.
                        match &definition.scoped_context {
                            Some(scoped) => previous.process(scoped, true, path)?,
                            None => previous.clone(),
                        }
                    }
                    None => ctx.clone(),
                };
                Some(self.node(&nested, map, path)?)
            }
            Value::Array(_) => return Err(unsupported(path, "nested arrays")),
            Value::String(text) => match type_mapping {
                Some(mapping @ ("@id" | "@vocab")) => {
                    let iri = ctx
                        .expand_iri(text, mapping == "@vocab")
                        .filter(|iri| is_absolute_iri(iri))
                        .ok_or_else(|| {
                            unsupported(path, format!("{text} is not an absolute IRI"))
                        })?;
                    Some(match iri.strip_prefix("_:") {
                        Some(label) => Term::Blank(format!("doc-{label}")),
                        None => Term::Iri(iri),
                    })
                }
                _ => Some(Term::Literal {
                    value: text.clone(),
                    datatype: datatype.unwrap_or_else(|| XSD_STRING.to_owned()),
                    language: None,
                }),
            },
            Value::Bool(flag) => Some(Term::Literal {
                value: flag.to_string(),
                datatype: datatype.unwrap_or_else(|| XSD_BOOLEAN.to_owned()),
                language: None,
            }),
            Value::Number(number) => {
                let is_double = datatype.as_deref() == Some(XSD_DOUBLE);
                Some(match (number.as_i64(), is_double) {
                    (Some(integer), false) => Term::Literal {
                        value: integer.to_string(),
                        datatype: datatype.unwrap_or_else(|| XSD_INTEGER.to_owned()),
                        language: None,
                    },
                    _ => Term::Literal {
                        value: canonical_double(number.as_f64().unwrap_or_default()),
                        datatype: datatype.unwrap_or_else(|| XSD_DOUBLE.to_owned()),
                        language: None,
                    },
                })
            }
        })
    }
}

/// The canonical lexical form of an `xsd:double` as JSON-LD writes it: `1.5E0`, `1.0E21`.
fn canonical_double(value: f64) -> String {
    if value == 0.0 {
        return "0.0E0".to_owned();
    }
    let formatted = format!("{value:E}");
    let (mantissa, exponent) = formatted.split_once('E').unwrap_or((&formatted, "0"));
    let mantissa = if mantissa.contains('.') {
        mantissa.to_owned()
    } else {
        format!("{mantissa}.0")
    };
    format!("{mantissa}E{exponent}")
}

/// JSON in the JSON Canonicalization Scheme's key order, as `@json` literals need (numbers as serde writes them).
fn canonical_json(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            let entries: Vec<String> = keys
                .into_iter()
                .map(|key| {
                    format!(
                        "{}:{}",
                        Value::String(key.clone()),
                        canonical_json(&map[key])
                    )
                })
                .collect();
            format!("{{{}}}", entries.join(","))
        }
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(canonical_json)
                .collect::<Vec<_>>()
                .join(",")
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn literal(value: &str, datatype: &str) -> Term {
        Term::Literal {
            value: value.to_owned(),
            datatype: datatype.to_owned(),
            language: None,
        }
    }

    fn iri(value: &str) -> Term {
        Term::Iri(value.to_owned())
    }

    #[test]
    fn the_bundled_contexts_parse() {
        assert!(bundled(CREDENTIALS_V2).is_ok());
        assert!(bundled(OB_V3P0_3_0_3).is_ok());
        assert_eq!(
            bundled("https://example.org/other"),
            Err(JsonLdError::UnknownContext(
                "https://example.org/other".to_owned()
            ))
        );
    }

    #[test]
    fn type_scoped_terms_apply_to_their_node_but_not_to_nested_nodes() {
        let document = json!({
            "@context": [CREDENTIALS_V2, OB_V3P0_3_0_3],
            "id": "urn:uuid:1",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {
                "type": ["AchievementSubject"],
                "achievement": {"id": "https://hub.example/badges/m", "type": ["Achievement"], "name": "M",
                    "criteria": {"narrative": "Tout faire"}},
            }
        });
        let quads = to_rdf(&document).expect("to RDF");
        let credential = iri("urn:uuid:1");
        assert!(quads.contains(&Quad {
            subject: credential.clone(),
            predicate: iri("https://www.w3.org/2018/credentials#validFrom"),
            object: literal(
                "2026-01-01T00:00:00Z",
                "http://www.w3.org/2001/XMLSchema#dateTime"
            ),
        }));
        assert!(quads.contains(&Quad {
            subject: credential,
            predicate: iri(RDF_TYPE),
            object: iri("https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"),
        }));
        assert!(quads.iter().any(|quad| quad.predicate
            == iri("https://purl.imsglobal.org/spec/vc/ob/vocab.html#Criteria")));
        assert!(
            quads
                .iter()
                .any(|quad| quad.object == literal("Tout faire", XSD_STRING)
                    && quad.predicate
                        == iri("https://purl.imsglobal.org/spec/vc/ob/vocab.html#narrative"))
        );
    }

    #[test]
    fn a_term_scoped_to_a_type_is_undefined_in_nested_nodes() {
        // validFrom belongs to VerifiableCredential's scoped context: inside the subject it is not defined, and
        // an undefined term is refused rather than silently dropped from what gets signed.
        let document = json!({
            "@context": [CREDENTIALS_V2, OB_V3P0_3_0_3],
            "type": ["VerifiableCredential"],
            "credentialSubject": {"type": ["AchievementSubject"], "validFrom": "2026-01-01T00:00:00Z"}
        });
        assert_eq!(
            to_rdf(&document),
            Err(JsonLdError::Unsupported {
                path: "$.credentialSubject[0].validFrom".to_owned(),
                message: "validFrom is not defined by the contexts".to_owned()
            })
        );
    }

    #[test]
    fn a_vocab_coerced_value_uses_the_property_scoped_context() {
        let document = json!({
            "@context": [CREDENTIALS_V2],
            "type": "DataIntegrityProof",
            "proofPurpose": "assertionMethod",
            "verificationMethod": "https://hub.example/issuer#k1",
        });
        let quads = to_rdf(&document).expect("to RDF");
        assert!(quads.contains(&Quad {
            subject: Term::Blank("b0".to_owned()),
            predicate: iri("https://w3id.org/security#proofPurpose"),
            object: iri("https://w3id.org/security#assertionMethod"),
        }));
    }

    #[test]
    fn unsupported_features_are_refused_not_guessed() {
        let relative = json!({"@context": [CREDENTIALS_V2], "id": "relative/path", "name": "x"});
        assert!(matches!(
            to_rdf(&relative),
            Err(JsonLdError::Unsupported { .. })
        ));
        let graph = json!({"@context": [CREDENTIALS_V2], "type": "VerifiableCredential", "proof": {"type": "DataIntegrityProof"}});
        assert!(matches!(
            to_rdf(&graph),
            Err(JsonLdError::Unsupported { .. })
        ));
    }

    #[test]
    fn numbers_take_json_ld_lexical_forms() {
        assert_eq!(canonical_double(1.5), "1.5E0");
        assert_eq!(canonical_double(1.0e21), "1.0E21");
        assert_eq!(canonical_double(0.25), "2.5E-1");
        assert_eq!(
            canonical_json(&json!({"b": 1, "a": [true, null]})),
            r#"{"a":[true,null],"b":1}"#
        );
    }
}
