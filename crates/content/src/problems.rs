//! A problem in a package, located in its file: `pages/intro.md:3:5: …` reads like a compiler's message.

use std::fmt;

/// One thing wrong with a package, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The file, relative to the package root.
    pub file: String,
    /// 1-based line and column, when the problem has a place in the file.
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => {
                write!(f, "{}:{line}:{column}: {}", self.file, self.message)
            }
            (Some(line), None) => write!(f, "{}:{line}: {}", self.file, self.message),
            _ => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// The 1-based line and column of a byte offset.
pub(crate) fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |tail| tail.chars().count())
        + 1;
    (line, column)
}

/// Problems of one file, each placed by the text it is about.
pub(crate) struct FileProblems<'a> {
    pub file: &'a str,
    pub text: &'a str,
    pub found: Vec<Problem>,
}

impl<'a> FileProblems<'a> {
    pub fn new(file: &'a str, text: &'a str) -> Self {
        FileProblems {
            file,
            text,
            found: Vec::new(),
        }
    }

    /// A problem at the first place `needle` appears after `anchor` (a key or value that names the spot).
    pub fn at(&mut self, anchor: Option<&str>, needle: &str, message: impl Into<String>) {
        let start = anchor
            .and_then(|anchor| self.text.find(anchor))
            .unwrap_or(0);
        let offset = self.text[start..]
            .find(needle)
            .map(|found| start + found)
            .or_else(|| self.text.find(needle));
        let (line, column) = match offset {
            Some(offset) => {
                let (line, column) = position(self.text, offset);
                (Some(line), Some(column))
            }
            None => (None, None),
        };
        self.found.push(Problem {
            file: self.file.to_owned(),
            line,
            column,
            message: message.into(),
        });
    }

    /// A problem of the TOML syntax or shape, placed by the parser's span.
    pub fn toml(&mut self, err: &toml::de::Error) {
        let (line, column) = match err.span() {
            Some(span) => {
                let (line, column) = position(self.text, span.start);
                (Some(line), Some(column))
            }
            None => (None, None),
        };
        self.found.push(Problem {
            file: self.file.to_owned(),
            line,
            column,
            message: err.message().to_owned(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_lines_and_columns() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(position(text, 0), (1, 1));
        assert_eq!(position(text, text.find("= 2").unwrap()), (2, 4));
    }
}
