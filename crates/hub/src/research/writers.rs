//! The export files: JSONL (pseudonymised xAPI statements), CSV (one flattened row per statement, with a data
//! dictionary) and Parquet (the same columns, typed, written by row groups so memory stays flat). Each writer
//! streams to disk and reports the files it wrote.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use serde_json::Value;

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    Number,
    Boolean,
}

impl ColumnType {
    fn name(self) -> &'static str {
        match self {
            ColumnType::Text => "text",
            ColumnType::Number => "number",
            ColumnType::Boolean => "boolean",
        }
    }
}

/// One flattened column: its name, type, meaning, and where it comes from in the pseudonymised statement.
pub struct Column {
    pub name: &'static str,
    pub kind: ColumnType,
    pub description: &'static str,
    pub pointer: &'static str,
}

/// The flattened columns of CSV and Parquet, in order. The data dictionary is written from this table.
pub const COLUMNS: &[Column] = &[
    Column {
        name: "statement_id",
        kind: ColumnType::Text,
        description: "Keyed UUID standing for the statement id (stable within the study)",
        pointer: "/id",
    },
    Column {
        name: "learner",
        kind: ColumnType::Text,
        description: "Pseudonym of the learner: HMAC-SHA256 of their identifier under the study key",
        pointer: "/actor/account/name",
    },
    Column {
        name: "verb",
        kind: ColumnType::Text,
        description: "xAPI verb IRI",
        pointer: "/verb/id",
    },
    Column {
        name: "object_id",
        kind: ColumnType::Text,
        description: "IRI of the activity (or keyed id of a referenced statement)",
        pointer: "/object/id",
    },
    Column {
        name: "object_type",
        kind: ColumnType::Text,
        description: "Activity, StatementRef, SubStatement, Agent or Group",
        pointer: "/object/objectType",
    },
    Column {
        name: "registration",
        kind: ColumnType::Text,
        description: "Keyed UUID standing for the registration (one learner in one course link)",
        pointer: "/context/registration",
    },
    Column {
        name: "timestamp",
        kind: ColumnType::Text,
        description: "When it happened, per the study's timestamp policy (see manifest)",
        pointer: "/timestamp",
    },
    Column {
        name: "stored",
        kind: ColumnType::Text,
        description: "When the LRS stored it, per the same policy",
        pointer: "/stored",
    },
    Column {
        name: "success",
        kind: ColumnType::Boolean,
        description: "result.success",
        pointer: "/result/success",
    },
    Column {
        name: "completion",
        kind: ColumnType::Boolean,
        description: "result.completion",
        pointer: "/result/completion",
    },
    Column {
        name: "score_scaled",
        kind: ColumnType::Number,
        description: "result.score.scaled, in [-1, 1]",
        pointer: "/result/score/scaled",
    },
    Column {
        name: "score_raw",
        kind: ColumnType::Number,
        description: "result.score.raw",
        pointer: "/result/score/raw",
    },
    Column {
        name: "duration",
        kind: ColumnType::Text,
        description: "result.duration, ISO 8601",
        pointer: "/result/duration",
    },
    Column {
        name: "response",
        kind: ColumnType::Text,
        description: "result.response, scrubbed of e-mails, phone numbers, IP addresses and names",
        pointer: "/result/response",
    },
    Column {
        name: "course",
        kind: ColumnType::Text,
        description: "The LMS course the launch came from (context grouping)",
        pointer: "/context/contextActivities/grouping/0/id",
    },
    Column {
        name: "parent",
        kind: ColumnType::Text,
        description: "The module or activity the object belongs to (context parent)",
        pointer: "/context/contextActivities/parent/0/id",
    },
    Column {
        name: "platform",
        kind: ColumnType::Text,
        description: "context.platform",
        pointer: "/context/platform",
    },
    Column {
        name: "language",
        kind: ColumnType::Text,
        description: "context.language",
        pointer: "/context/language",
    },
];

/// Writes pseudonymised statements in one format.
pub trait StatementSink {
    fn write(&mut self, statement: &Value) -> anyhow::Result<()>;
    /// Flushes to disk and returns the files written (data files first).
    fn finish(self: Box<Self>) -> anyhow::Result<Vec<PathBuf>>;
}

fn create(path: &Path) -> anyhow::Result<BufWriter<File>> {
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    Ok(BufWriter::with_capacity(1 << 16, file))
}

fn sync(writer: BufWriter<File>, path: &Path) -> anyhow::Result<()> {
    let file = writer
        .into_inner()
        .map_err(|err| anyhow::anyhow!("writing {}: {}", path.display(), err.error()))?;
    file.sync_all()
        .with_context(|| format!("syncing {}", path.display()))
}

pub struct JsonlSink {
    path: PathBuf,
    out: BufWriter<File>,
}

impl JsonlSink {
    pub fn create(dir: &Path) -> anyhow::Result<JsonlSink> {
        let path = dir.join("statements.jsonl");
        Ok(JsonlSink {
            out: create(&path)?,
            path,
        })
    }
}

impl StatementSink for JsonlSink {
    fn write(&mut self, statement: &Value) -> anyhow::Result<()> {
        serde_json::to_writer(&mut self.out, statement)?;
        self.out.write_all(b"\n")?;
        Ok(())
    }

    fn finish(self: Box<Self>) -> anyhow::Result<Vec<PathBuf>> {
        sync(self.out, &self.path)?;
        Ok(vec![self.path])
    }
}

fn cell(statement: &Value, column: &Column) -> Option<String> {
    match statement.pointer(column.pointer)? {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

pub struct CsvSink {
    dir: PathBuf,
    path: PathBuf,
    out: BufWriter<File>,
}

impl CsvSink {
    pub fn create(dir: &Path) -> anyhow::Result<CsvSink> {
        let path = dir.join("statements.csv");
        let mut out = create(&path)?;
        let header: Vec<&str> = COLUMNS.iter().map(|column| column.name).collect();
        writeln!(out, "{}", header.join(","))?;
        Ok(CsvSink {
            dir: dir.to_owned(),
            path,
            out,
        })
    }
}

impl StatementSink for CsvSink {
    fn write(&mut self, statement: &Value) -> anyhow::Result<()> {
        let row: Vec<String> = COLUMNS
            .iter()
            .map(|column| {
                cell(statement, column)
                    .map(|text| csv_field(&text))
                    .unwrap_or_default()
            })
            .collect();
        writeln!(self.out, "{}", row.join(","))?;
        Ok(())
    }

    fn finish(self: Box<Self>) -> anyhow::Result<Vec<PathBuf>> {
        sync(self.out, &self.path)?;
        let dictionary = self.dir.join("data-dictionary.csv");
        let mut out = create(&dictionary)?;
        writeln!(out, "column,type,description,source")?;
        for column in COLUMNS {
            writeln!(
                out,
                "{},{},{},{}",
                column.name,
                column.kind.name(),
                csv_field(column.description),
                csv_field(&format!("xAPI statement {}", column.pointer)),
            )?;
        }
        sync(out, &dictionary)?;
        Ok(vec![self.path, dictionary])
    }
}

/// Rows per Parquet row group: the only rows held in memory.
const ROW_GROUP: usize = 8192;

pub struct ParquetSink {
    path: PathBuf,
    writer: SerializedFileWriter<File>,
    rows: Vec<Vec<Option<Value>>>,
}

impl ParquetSink {
    pub fn create(dir: &Path) -> anyhow::Result<ParquetSink> {
        let path = dir.join("statements.parquet");
        let fields: Vec<String> = COLUMNS
            .iter()
            .map(|column| match column.kind {
                ColumnType::Text => format!("optional binary {} (UTF8);", column.name),
                ColumnType::Number => format!("optional double {};", column.name),
                ColumnType::Boolean => format!("optional boolean {};", column.name),
            })
            .collect();
        let schema = Arc::new(parse_message_type(&format!(
            "message statement {{ {} }}",
            fields.join(" ")
        ))?);
        let properties = Arc::new(
            WriterProperties::builder()
                .set_compression(parquet::basic::Compression::SNAPPY)
                .set_created_by(format!("classcode-hub {}", env!("CARGO_PKG_VERSION")))
                .build(),
        );
        let file = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(ParquetSink {
            path,
            writer: SerializedFileWriter::new(file, schema, properties)?,
            rows: COLUMNS
                .iter()
                .map(|_| Vec::with_capacity(ROW_GROUP))
                .collect(),
        })
    }

    fn flush_group(&mut self) -> anyhow::Result<()> {
        if self.rows[0].is_empty() {
            return Ok(());
        }
        let mut group = self.writer.next_row_group()?;
        for (index, column) in COLUMNS.iter().enumerate() {
            let values = std::mem::take(&mut self.rows[index]);
            let levels: Vec<i16> = values
                .iter()
                .map(|value| i16::from(value.is_some()))
                .collect();
            let mut writer = group
                .next_column()?
                .ok_or_else(|| anyhow::anyhow!("the Parquet schema lost column {}", column.name))?;
            match column.kind {
                ColumnType::Text => {
                    let data: Vec<ByteArray> = values
                        .iter()
                        .flatten()
                        .map(|value| match value {
                            Value::String(text) => ByteArray::from(text.as_str()),
                            other => ByteArray::from(other.to_string().as_str()),
                        })
                        .collect();
                    writer
                        .typed::<ByteArrayType>()
                        .write_batch(&data, Some(&levels), None)?;
                }
                ColumnType::Number => {
                    let data: Vec<f64> =
                        values.iter().flatten().filter_map(Value::as_f64).collect();
                    let levels: Vec<i16> = values
                        .iter()
                        .map(|value| {
                            i16::from(value.as_ref().is_some_and(|v| v.as_f64().is_some()))
                        })
                        .collect();
                    writer
                        .typed::<DoubleType>()
                        .write_batch(&data, Some(&levels), None)?;
                }
                ColumnType::Boolean => {
                    let data: Vec<bool> =
                        values.iter().flatten().filter_map(Value::as_bool).collect();
                    let levels: Vec<i16> = values
                        .iter()
                        .map(|value| {
                            i16::from(value.as_ref().is_some_and(|v| v.as_bool().is_some()))
                        })
                        .collect();
                    writer
                        .typed::<BoolType>()
                        .write_batch(&data, Some(&levels), None)?;
                }
            }
            writer.close()?;
            self.rows[index] = Vec::with_capacity(ROW_GROUP);
        }
        group.close()?;
        Ok(())
    }
}

impl StatementSink for ParquetSink {
    fn write(&mut self, statement: &Value) -> anyhow::Result<()> {
        for (index, column) in COLUMNS.iter().enumerate() {
            let value = statement
                .pointer(column.pointer)
                .filter(|value| !value.is_null())
                .cloned();
            self.rows[index].push(value);
        }
        if self.rows[0].len() >= ROW_GROUP {
            self.flush_group()?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> anyhow::Result<Vec<PathBuf>> {
        self.flush_group()?;
        let file = self.writer.into_inner()?;
        file.sync_all()
            .with_context(|| format!("syncing {}", self.path.display()))?;
        Ok(vec![self.path])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_they_must_be() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(
            csv_field("il a dit \"oui\"\n"),
            "\"il a dit \"\"oui\"\"\n\""
        );
    }

    #[test]
    fn every_column_is_named_once() {
        let mut names: Vec<&str> = COLUMNS.iter().map(|column| column.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), COLUMNS.len());
    }
}
