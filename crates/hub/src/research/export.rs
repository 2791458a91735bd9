//! A study's export: two streaming passes over the study's statements, tenant by tenant, in pages and up to a
//! snapshot taken at the start. The first pass counts the distinct learners of each combination of
//! quasi-identifiers (tenant, course, day) and each learner's first event; the second pseudonymises and writes
//! every statement whose combination describes at least k learners. Opted-out learners are never read past the
//! consent check. The manifest says what was done and holds the SHA-256 of each file; the export is logged.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use classcode_storage::{ResearchExport, StatementFilter, Study, TenantId};
use classcode_xapi::AgentKey;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::pseudonymise::{Pseudonymiser, TimestampPolicy};
use super::writers::{CsvSink, JsonlSink, ParquetSink, StatementSink};
use super::{ResearchError, StudyScope, takes_part};
use crate::Hub;

const PAGE: u64 = 2000;
const VOIDED: &str = "http://adlnet.gov/expapi/verbs/voided";

/// The file format of an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Jsonl,
    Csv,
    Parquet,
}

impl ExportFormat {
    pub fn parse(text: &str) -> Option<ExportFormat> {
        match text {
            "jsonl" => Some(ExportFormat::Jsonl),
            "csv" => Some(ExportFormat::Csv),
            "parquet" => Some(ExportFormat::Parquet),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Jsonl => "jsonl",
            ExportFormat::Csv => "csv",
            ExportFormat::Parquet => "parquet",
        }
    }
}

/// Where a running export is, for a progress bar.
#[derive(Clone, Copy, Debug)]
pub struct ExportProgress {
    /// `counting` (first pass) or `writing` (second pass).
    pub phase: &'static str,
    /// Statements read so far in this phase.
    pub read: u64,
}

/// A finished export: its id, its folder and its manifest.
#[derive(Clone, Debug)]
pub struct ExportReport {
    pub id: Uuid,
    pub dir: PathBuf,
    pub manifest: Value,
}

/// The quasi-identifiers a released statement keeps about its learner's context.
fn quasi_identifiers(tenant: TenantId, statement: &Value, with_day: bool) -> u64 {
    let mut hasher = DefaultHasher::new();
    tenant.0.hash(&mut hasher);
    statement
        .pointer("/context/contextActivities/grouping/0/id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .hash(&mut hasher);
    if with_day {
        statement["timestamp"]
            .as_str()
            .map(|at| at.get(..10).unwrap_or(at))
            .unwrap_or("")
            .hash(&mut hasher);
    }
    hasher.finish()
}

fn learner_hash(key: &AgentKey) -> u64 {
    let mut hasher = DefaultHasher::new();
    key.as_str().hash(&mut hasher);
    hasher.finish()
}

/// What the study keeps of a tenant: who opted out, and the page cursor's snapshot.
struct TenantPlan {
    id: TenantId,
    excluded: HashSet<String>,
    max_seq: i64,
}

struct Selection<'a> {
    scope: &'a StudyScope,
    module_prefixes: Vec<String>,
}

impl Selection<'_> {
    /// Whether a statement is in the study's scope (verbs, modules); voiding statements never are.
    fn covers(&self, statement: &Value) -> bool {
        let verb = statement["verb"]["id"].as_str().unwrap_or("");
        if verb == VOIDED {
            return false;
        }
        if !self.scope.verbs.is_empty() && !self.scope.verbs.iter().any(|wanted| wanted == verb) {
            return false;
        }
        if self.module_prefixes.is_empty() {
            return true;
        }
        let about = |iri: &str| {
            self.module_prefixes.iter().any(|prefix| {
                iri.strip_prefix(prefix.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
        };
        statement["object"]["id"].as_str().is_some_and(about)
            || ["parent", "grouping", "other"].iter().any(|kind| {
                statement["context"]["contextActivities"][kind]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|activity| activity["id"].as_str())
                    .any(about)
            })
    }
}

fn sha256_file(path: &Path) -> anyhow::Result<(String, u64)> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        size += read as u64;
        hasher.update(&buffer[..read]);
    }
    Ok((
        hasher
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect(),
        size,
    ))
}

impl Hub {
    /// Exports a study into `out_dir` (or a new folder under the research directory): the data files, and
    /// `manifest.json`. `requested_by` goes into the export log.
    pub async fn export_study(
        &self,
        study: &str,
        format: ExportFormat,
        out_dir: Option<&Path>,
        requested_by: &str,
        mut progress: impl FnMut(ExportProgress),
    ) -> Result<ExportReport, ResearchError> {
        let study = self.study(study).await?;
        let scope: StudyScope =
            serde_json::from_str(&study.scope).context("reading the study's scope")?;
        let policy = TimestampPolicy::parse(&study.timestamps).unwrap_or(TimestampPolicy::Day);
        let pseudonymiser = Pseudonymiser::new(&self.study_key(&study)?, policy);
        let id = Uuid::now_v7();
        let dir = match out_dir {
            Some(dir) => dir.to_owned(),
            None => self
                .settings
                .research_dir
                .join(study.id.to_string())
                .join(id.to_string()),
        };
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;

        let mut plans = Vec::new();
        let tenants = self.storage.find_tenants().await?;
        for name in &scope.tenants {
            let Some(tenant) = tenants.iter().find(|tenant| &tenant.name == name) else {
                return Err(ResearchError::UnknownTenant(name.clone()));
            };
            let consents = self
                .storage
                .find_consents_for_study(tenant.id, study.id)
                .await?;
            let mut by_actor: HashMap<&str, Vec<classcode_storage::Consent>> = HashMap::new();
            for consent in &consents {
                by_actor
                    .entry(consent.actor_key.as_str())
                    .or_default()
                    .push(consent.clone());
            }
            let excluded = by_actor
                .into_iter()
                .filter(|(_, choices)| !takes_part(choices, study.id))
                .map(|(actor, _)| actor.to_owned())
                .collect();
            plans.push(TenantPlan {
                id: tenant.id,
                excluded,
                max_seq: self.storage.find_max_statement_seq(tenant.id).await?,
            });
        }
        let selection = Selection {
            scope: &scope,
            module_prefixes: scope
                .modules
                .iter()
                .flat_map(|module| {
                    [
                        format!("{}/content/{module}", self.settings.public_url),
                        format!("{}/cmi5/{module}", self.settings.public_url),
                    ]
                })
                .collect(),
        };
        let with_day = policy != TimestampPolicy::Relative;

        // First pass: learners per combination of quasi-identifiers, and each learner's first event.
        let mut groups: HashMap<u64, HashSet<u64>> = HashMap::new();
        let mut first_events: HashMap<u64, DateTime<Utc>> = HashMap::new();
        let mut counts = Counts::default();
        let mut read = 0u64;
        for plan in &plans {
            self.walk(plan, &scope, |statement| {
                read += 1;
                if read.is_multiple_of(10_000) {
                    progress(ExportProgress {
                        phase: "counting",
                        read,
                    });
                }
                counts.read += 1;
                let Some(key) = AgentKey::of(&statement["actor"]) else {
                    return Ok(());
                };
                if !selection.covers(statement) {
                    return Ok(());
                }
                if plan.excluded.contains(key.as_str()) {
                    counts.opted_out += 1;
                    return Ok(());
                }
                let learner = learner_hash(&key);
                groups
                    .entry(quasi_identifiers(plan.id, statement, with_day))
                    .or_default()
                    .insert(learner);
                if let Some(at) = statement["timestamp"]
                    .as_str()
                    .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
                {
                    let at = at.with_timezone(&Utc);
                    first_events
                        .entry(learner)
                        .and_modify(|first| *first = (*first).min(at))
                        .or_insert(at);
                }
                Ok(())
            })
            .await?;
        }
        let k = study.k_anonymity as usize;
        let suppressed: HashSet<u64> = groups
            .iter()
            .filter(|(_, learners)| learners.len() < k)
            .map(|(group, _)| *group)
            .collect();
        let learners_released: HashSet<u64> = groups
            .iter()
            .filter(|(group, _)| !suppressed.contains(group))
            .flat_map(|(_, learners)| learners.iter().copied())
            .collect();
        drop(groups);

        // Second pass: pseudonymise and write what the first pass released.
        let mut sink: Box<dyn StatementSink> = match format {
            ExportFormat::Jsonl => Box::new(JsonlSink::create(&dir)?),
            ExportFormat::Csv => Box::new(CsvSink::create(&dir)?),
            ExportFormat::Parquet => Box::new(ParquetSink::create(&dir)?),
        };
        let mut read = 0u64;
        for plan in &plans {
            self.walk(plan, &scope, |statement| {
                read += 1;
                if read.is_multiple_of(10_000) {
                    progress(ExportProgress {
                        phase: "writing",
                        read,
                    });
                }
                let Some(key) = AgentKey::of(&statement["actor"]) else {
                    return Ok(());
                };
                if !selection.covers(statement) || plan.excluded.contains(key.as_str()) {
                    return Ok(());
                }
                if suppressed.contains(&quasi_identifiers(plan.id, statement, with_day)) {
                    counts.suppressed += 1;
                    return Ok(());
                }
                let learner = learner_hash(&key);
                let released =
                    pseudonymiser.statement(statement, first_events.get(&learner).copied());
                sink.write(&released)?;
                counts.exported += 1;
                Ok(())
            })
            .await?;
        }
        let files = sink.finish()?;
        let mut file_entries = Vec::new();
        for path in &files {
            let (sha256, bytes) = sha256_file(path)?;
            file_entries.push(json!({
                "name": path.file_name().map(|name| name.to_string_lossy().into_owned()),
                "sha256": sha256,
                "bytes": bytes,
            }));
        }
        let created_at = Utc::now();
        let manifest = json!({
            "export": id,
            "created_at": created_at.to_rfc3339(),
            "requested_by": requested_by,
            "study": super::study_view(&study),
            "format": format.as_str(),
            "filters": {
                "tenants": scope.tenants,
                "modules": scope.modules,
                "verbs": scope.verbs,
                "since": scope.since,
                "until": scope.until,
                "voided_statements": "excluded, as are voiding statements",
            },
            "counts": {
                "statements_read": counts.read,
                "statements_exported": counts.exported,
                "statements_of_opted_out_learners": counts.opted_out,
                "statements_suppressed": counts.suppressed,
                "groups_suppressed": suppressed.len(),
                "learners_exported": learners_released.len(),
            },
            "method": {
                "pseudonym": "HMAC-SHA256(study key, canonical xAPI identifier), hex, as account name under https://classcode.fr/research/pseudonym",
                "ids": "statement ids and registrations replaced by keyed UUIDs (HMAC-SHA256 under the study key)",
                "removed": ["agent names", "mbox", "mbox_sha1sum", "openid", "LMS account names", "authority", "attachments"],
                "free_text": "result.response and extension strings: e-mail addresses, phone numbers, IPv4 addresses and the statement's names replaced by [email], [phone], [ip], [name]",
                "timestamps": policy.as_str(),
                "k_anonymity": {
                    "k": study.k_anonymity,
                    "quasi_identifiers": if with_day { json!(["tenant", "course", "day"]) } else { json!(["tenant", "course"]) },
                    "rule": "statements whose combination of quasi-identifiers covers fewer than k distinct learners are suppressed",
                },
            },
            "software": {"name": "classcode-hub", "version": env!("CARGO_PKG_VERSION")},
            "files": file_entries,
        });
        let manifest_path = dir.join("manifest.json");
        std::fs::write(
            &manifest_path,
            serde_json::to_vec_pretty(&manifest).map_err(anyhow::Error::from)?,
        )
        .with_context(|| format!("writing {}", manifest_path.display()))?;
        self.storage
            .insert_research_export(&ResearchExport {
                id,
                study_id: study.id,
                requested_by: requested_by.to_owned(),
                format: format.as_str().to_owned(),
                manifest: manifest.to_string(),
                created_at,
            })
            .await?;
        tracing::info!(study = %study.id, export = %id, exported = counts.exported, "study exported");
        Ok(ExportReport { id, dir, manifest })
    }

    /// Every statement of a tenant in the study's date range up to the snapshot, page by page, oldest first.
    async fn walk(
        &self,
        plan: &TenantPlan,
        scope: &StudyScope,
        mut each: impl FnMut(&Value) -> anyhow::Result<()>,
    ) -> Result<(), ResearchError> {
        let mut after = None;
        loop {
            let filter = StatementFilter {
                keys: Vec::new(),
                since: scope.since,
                until: scope.until,
                ascending: true,
                after_seq: after,
                max_seq: Some(plan.max_seq),
                limit: PAGE,
            };
            let page = self.storage.find_statements(plan.id, &filter).await?;
            let Some(last) = page.last() else {
                return Ok(());
            };
            after = Some(last.seq);
            let full = page.len() as u64 == PAGE;
            for stored in &page {
                let statement: Value = serde_json::from_str(&stored.payload)
                    .with_context(|| format!("statement {} is not JSON", stored.statement_id))?;
                each(&statement)?;
            }
            if !full {
                return Ok(());
            }
        }
    }

    /// A study's logged exports, newest first (manifests).
    pub async fn list_exports(&self, study: &Study) -> Result<Vec<Value>, ResearchError> {
        Ok(self
            .storage
            .find_research_exports(study.id)
            .await?
            .into_iter()
            .map(|export| serde_json::from_str(&export.manifest).unwrap_or(Value::Null))
            .collect())
    }

    /// The logged exports of the study named `study` (its name or id), newest first.
    pub async fn list_study_exports(&self, study: &str) -> Result<Vec<Value>, ResearchError> {
        let study = self.study(study).await?;
        self.list_exports(&study).await
    }

    /// The path of one file of one of a study's exports made under the research directory.
    pub async fn export_file(
        &self,
        study: &Study,
        export: &str,
        file: &str,
    ) -> Result<PathBuf, ResearchError> {
        let id =
            Uuid::parse_str(export).map_err(|_| ResearchError::UnknownExport(export.to_owned()))?;
        let known = self
            .storage
            .find_research_exports(study.id)
            .await?
            .into_iter()
            .any(|logged| logged.id == id);
        let allowed = [
            "manifest.json",
            "statements.jsonl",
            "statements.csv",
            "data-dictionary.csv",
            "statements.parquet",
        ];
        if !known || !allowed.contains(&file) {
            return Err(ResearchError::UnknownExport(format!("{export}/{file}")));
        }
        let path = self
            .settings
            .research_dir
            .join(study.id.to_string())
            .join(id.to_string())
            .join(file);
        if !path.is_file() {
            return Err(ResearchError::UnknownExport(format!("{export}/{file}")));
        }
        Ok(path)
    }
}

#[derive(Default)]
struct Counts {
    read: u64,
    exported: u64,
    opted_out: u64,
    suppressed: u64,
}
