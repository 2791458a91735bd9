//! RDF Dataset Canonicalization (W3C RDFC-1.0, with SHA-256) and canonical N-Quads: the same graph always gives the
//! same bytes, whatever its blank node labels, which is what a Data Integrity proof signs.

use std::collections::{BTreeMap, HashMap};

use sha2::{Digest, Sha256};

use crate::jsonld::{Quad, Term, XSD_STRING};

/// Issues identifiers with a prefix in order, remembering which existing label got which (RDFC-1.0 §4.3).
#[derive(Clone, Debug)]
struct IdentifierIssuer {
    prefix: &'static str,
    issued: Vec<(String, String)>,
    by_existing: HashMap<String, String>,
}

impl IdentifierIssuer {
    fn new(prefix: &'static str) -> Self {
        IdentifierIssuer {
            prefix,
            issued: Vec::new(),
            by_existing: HashMap::new(),
        }
    }

    fn issue(&mut self, existing: &str) -> String {
        if let Some(id) = self.by_existing.get(existing) {
            return id.clone();
        }
        let id = format!("{}{}", self.prefix, self.issued.len());
        self.issued.push((existing.to_owned(), id.clone()));
        self.by_existing.insert(existing.to_owned(), id.clone());
        id
    }

    fn get(&self, existing: &str) -> Option<&String> {
        self.by_existing.get(existing)
    }
}

fn hex_sha256(data: &str) -> String {
    let digest = Sha256::digest(data.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Escapes a literal's lexical form as canonical N-Quads does.
fn escape(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '"' => escaped.push_str("\\\""),
            '\\' => escaped.push_str("\\\\"),
            '\n' => escaped.push_str("\\n"),
            '\r' => escaped.push_str("\\r"),
            '\t' => escaped.push_str("\\t"),
            '\u{8}' => escaped.push_str("\\b"),
            '\u{c}' => escaped.push_str("\\f"),
            c if c <= '\u{1f}' || c == '\u{7f}' => {
                escaped.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => escaped.push(c),
        }
    }
    escaped
}

fn term_text(term: &Term, blank: &dyn Fn(&str) -> String) -> String {
    match term {
        Term::Iri(iri) => format!("<{iri}>"),
        Term::Blank(label) => format!("_:{}", blank(label)),
        Term::Literal {
            value,
            datatype,
            language,
        } => match language {
            Some(language) => format!("\"{}\"@{language}", escape(value)),
            None if datatype == XSD_STRING => format!("\"{}\"", escape(value)),
            None => format!("\"{}\"^^<{datatype}>", escape(value)),
        },
    }
}

fn quad_line(quad: &Quad, blank: &dyn Fn(&str) -> String) -> String {
    format!(
        "{} {} {} .\n",
        term_text(&quad.subject, blank),
        term_text(&quad.predicate, blank),
        term_text(&quad.object, blank)
    )
}

struct State<'a> {
    quads_of: BTreeMap<String, Vec<&'a Quad>>,
    canonical: IdentifierIssuer,
}

fn blank_labels(quad: &Quad) -> impl Iterator<Item = &str> {
    [&quad.subject, &quad.object]
        .into_iter()
        .filter_map(|term| match term {
            Term::Blank(label) => Some(label.as_str()),
            _ => None,
        })
}

impl State<'_> {
    /// Hash First Degree Quads (RDFC-1.0 §4.6).
    fn first_degree(&self, label: &str) -> String {
        let mut lines: Vec<String> = self.quads_of[label]
            .iter()
            .map(|quad| {
                quad_line(quad, &|other| {
                    if other == label { "a" } else { "z" }.to_owned()
                })
            })
            .collect();
        lines.sort_unstable();
        hex_sha256(&lines.concat())
    }

    /// Hash Related Blank Node (RDFC-1.0 §4.7).
    fn related_hash(
        &self,
        related: &str,
        quad: &Quad,
        issuer: &IdentifierIssuer,
        position: char,
    ) -> String {
        let identifier = match self.canonical.get(related).or_else(|| issuer.get(related)) {
            Some(id) => format!("_:{id}"),
            None => self.first_degree(related),
        };
        let mut input = String::new();
        input.push(position);
        if position != 'g'
            && let Term::Iri(predicate) = &quad.predicate
        {
            input.push_str(&format!("<{predicate}>"));
        }
        input.push_str(&identifier);
        hex_sha256(&input)
    }

    /// Hash N-Degree Quads (RDFC-1.0 §4.8).
    fn n_degree(&self, label: &str, issuer: &IdentifierIssuer) -> (String, IdentifierIssuer) {
        let mut issuer = issuer.clone();
        let mut by_hash: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for quad in &self.quads_of[label] {
            for (term, position) in [(&quad.subject, 's'), (&quad.object, 'o')] {
                if let Term::Blank(related) = term
                    && related != label
                {
                    let hash = self.related_hash(related, quad, &issuer, position);
                    by_hash.entry(hash).or_default().push(related.clone());
                }
            }
        }
        let mut data_to_hash = String::new();
        for (hash, related) in by_hash {
            data_to_hash.push_str(&hash);
            let mut chosen_path = String::new();
            let mut chosen_issuer: Option<IdentifierIssuer> = None;
            for permutation in permutations(&related) {
                let mut issuer_copy = issuer.clone();
                let mut path = String::new();
                let mut recursion = Vec::new();
                let mut skip = false;
                for related in &permutation {
                    if let Some(id) = self.canonical.get(related) {
                        path.push_str(&format!("_:{id}"));
                    } else {
                        if issuer_copy.get(related).is_none() {
                            recursion.push(related.clone());
                        }
                        path.push_str(&format!("_:{}", issuer_copy.issue(related)));
                    }
                    if is_worse(&path, &chosen_path) {
                        skip = true;
                        break;
                    }
                }
                if skip {
                    continue;
                }
                for related in recursion {
                    let (result_hash, result_issuer) = self.n_degree(&related, &issuer_copy);
                    path.push_str(&format!("_:{}", issuer_copy.issue(&related)));
                    path.push_str(&format!("<{result_hash}>"));
                    issuer_copy = result_issuer;
                    if is_worse(&path, &chosen_path) {
                        skip = true;
                        break;
                    }
                }
                if skip {
                    continue;
                }
                if chosen_path.is_empty() || path < chosen_path {
                    chosen_path = path;
                    chosen_issuer = Some(issuer_copy);
                }
            }
            data_to_hash.push_str(&chosen_path);
            if let Some(chosen) = chosen_issuer {
                issuer = chosen;
            }
        }
        (hex_sha256(&data_to_hash), issuer)
    }
}

/// Whether a path being built can no longer beat the chosen one (RDFC-1.0 §4.8.3, steps 5.4.4.3 and 5.4.5.5).
fn is_worse(path: &str, chosen_path: &str) -> bool {
    !chosen_path.is_empty() && path.len() >= chosen_path.len() && path > chosen_path
}

fn permutations(items: &[String]) -> Vec<Vec<String>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut result = Vec::new();
    for index in 0..items.len() {
        let mut rest = items.to_vec();
        let first = rest.remove(index);
        for mut tail in permutations(&rest) {
            tail.insert(0, first.clone());
            result.push(tail);
        }
    }
    result
}

/// The canonical N-Quads of a dataset (RDFC-1.0 with SHA-256): blank nodes relabelled `c14n0`, `c14n1`…, lines
/// sorted, duplicates dropped.
pub fn canonicalize(quads: &[Quad]) -> String {
    let mut state = State {
        quads_of: BTreeMap::new(),
        canonical: IdentifierIssuer::new("c14n"),
    };
    for quad in quads {
        for label in blank_labels(quad) {
            state
                .quads_of
                .entry(label.to_owned())
                .or_default()
                .push(quad);
        }
    }
    let mut by_hash: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for label in state.quads_of.keys() {
        by_hash
            .entry(state.first_degree(label))
            .or_default()
            .push(label.clone());
    }
    let mut shared = Vec::new();
    for (_, labels) in by_hash {
        if let [only] = labels.as_slice() {
            state.canonical.issue(only);
        } else {
            shared.push(labels);
        }
    }
    for labels in shared {
        let mut results = Vec::new();
        for label in &labels {
            if state.canonical.get(label).is_some() {
                continue;
            }
            let mut temporary = IdentifierIssuer::new("b");
            temporary.issue(label);
            results.push(state.n_degree(label, &temporary));
        }
        results.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, issuer) in results {
            for (existing, _) in issuer.issued {
                state.canonical.issue(&existing);
            }
        }
    }
    let canonical = &state.canonical;
    let mut lines: Vec<String> = quads
        .iter()
        .map(|quad| {
            quad_line(quad, &|label| {
                canonical
                    .get(label)
                    .cloned()
                    .unwrap_or_else(|| label.to_owned())
            })
        })
        .collect();
    lines.sort_unstable();
    lines.dedup();
    lines.concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blank(label: &str) -> Term {
        Term::Blank(label.to_owned())
    }

    fn iri(value: &str) -> Term {
        Term::Iri(value.to_owned())
    }

    fn quad(subject: Term, predicate: &str, object: Term) -> Quad {
        Quad {
            subject,
            predicate: iri(predicate),
            object,
        }
    }

    #[test]
    fn labels_do_not_change_the_canonical_form() {
        let one = vec![
            quad(iri("http://ex/s"), "http://ex/p", blank("x")),
            quad(blank("x"), "http://ex/q", blank("y")),
            quad(blank("y"), "http://ex/q", blank("x")),
        ];
        let two = vec![
            quad(blank("k"), "http://ex/q", blank("j")),
            quad(iri("http://ex/s"), "http://ex/p", blank("j")),
            quad(blank("j"), "http://ex/q", blank("k")),
        ];
        assert_eq!(canonicalize(&one), canonicalize(&two));
        assert!(canonicalize(&one).contains("_:c14n0"));
    }

    #[test]
    fn the_spec_example_of_two_symmetric_blank_nodes_is_labelled_as_the_spec_says() {
        // RDFC-1.0 Appendix A.1 (unique first-degree hashes); rdf-canonize gives the same output.
        let quads = vec![
            quad(
                iri("http://example.com/#p"),
                "http://example.com/#q",
                blank("e0"),
            ),
            quad(
                iri("http://example.com/#p"),
                "http://example.com/#r",
                blank("e1"),
            ),
            quad(
                blank("e0"),
                "http://example.com/#s",
                iri("http://example.com/#u"),
            ),
            quad(
                blank("e1"),
                "http://example.com/#t",
                iri("http://example.com/#u"),
            ),
        ];
        assert_eq!(
            canonicalize(&quads),
            "<http://example.com/#p> <http://example.com/#q> _:c14n0 .\n\
             <http://example.com/#p> <http://example.com/#r> _:c14n1 .\n\
             _:c14n0 <http://example.com/#s> <http://example.com/#u> .\n\
             _:c14n1 <http://example.com/#t> <http://example.com/#u> .\n"
        );
    }

    #[test]
    fn the_spec_example_needing_n_degree_hashes_is_labelled_as_the_spec_says() {
        // RDFC-1.0 Appendix A.2 (shared first-degree hashes); rdf-canonize gives the same output.
        let quads = vec![
            quad(
                iri("http://example.com/#p"),
                "http://example.com/#q",
                blank("e0"),
            ),
            quad(
                iri("http://example.com/#p"),
                "http://example.com/#q",
                blank("e1"),
            ),
            quad(blank("e0"), "http://example.com/#p", blank("e2")),
            quad(blank("e1"), "http://example.com/#p", blank("e3")),
            quad(blank("e2"), "http://example.com/#r", blank("e3")),
        ];
        assert_eq!(
            canonicalize(&quads),
            "<http://example.com/#p> <http://example.com/#q> _:c14n2 .\n\
             <http://example.com/#p> <http://example.com/#q> _:c14n3 .\n\
             _:c14n0 <http://example.com/#r> _:c14n1 .\n\
             _:c14n2 <http://example.com/#p> _:c14n1 .\n\
             _:c14n3 <http://example.com/#p> _:c14n0 .\n"
        );
    }

    #[test]
    fn literals_are_escaped() {
        let quads = vec![quad(
            iri("http://ex/s"),
            "http://ex/p",
            Term::Literal {
                value: "a \"b\"\nc\\".to_owned(),
                datatype: XSD_STRING.to_owned(),
                language: None,
            },
        )];
        assert_eq!(
            canonicalize(&quads),
            "<http://ex/s> <http://ex/p> \"a \\\"b\\\"\\nc\\\\\" .\n"
        );
    }
}
