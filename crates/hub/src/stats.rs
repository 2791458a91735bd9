//! The admin dashboard's figures, from maintained aggregates: an aggregator reads each tenant's new statements by
//! sequence number (indexed) and adds per-day counts (statements, completions per module) and the day's active
//! learners, under a lease so that one node at a time advances a tenant; launches count themselves when recorded;
//! certifications are read from their own (small) table. A page view reads aggregates only, never the statements.

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDate, Utc};
use classcode_storage::{CertificationStatus, DailyCount, StatementFilter, TenantId};
use classcode_xapi::AgentKey;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::Hub;

const PAGE: u64 = 5000;
/// Pages one pass reads per tenant before letting the others go.
const PAGES_PER_PASS: usize = 20;
const LEASE: Duration = Duration::seconds(60);
const COMPLETED: &str = "http://adlnet.gov/expapi/verbs/completed";
const PASSED: &str = "http://adlnet.gov/expapi/verbs/passed";

/// What a filter on the dashboard asks for.
#[derive(Clone, Debug)]
pub struct DashboardQuery {
    pub since: NaiveDate,
    pub until: NaiveDate,
    /// A tenant's name (a platform has its own tenant), or every tenant.
    pub tenant: Option<String>,
}

/// Why the dashboard cannot answer.
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    #[error("{0}")]
    Invalid(String),
    #[error("no tenant {0:?}")]
    UnknownTenant(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<classcode_storage::StorageError> for StatsError {
    fn from(err: classcode_storage::StorageError) -> Self {
        StatsError::Unexpected(err.into())
    }
}

fn day_of(statement: &Value) -> Option<String> {
    statement["timestamp"]
        .as_str()
        .or_else(|| statement["stored"].as_str())
        .and_then(|at| at.get(..10))
        .map(str::to_owned)
}

impl Hub {
    /// The module a statement's object belongs to, when it is the hub's content.
    fn module_of(&self, object: &str) -> Option<String> {
        let rest = object.strip_prefix(&format!("{}/content/", self.settings.public_url))?;
        Some(rest.split('/').next()?.to_owned())
    }

    pub(crate) fn learner_token(&self, tenant_id: TenantId, key: &AgentKey) -> String {
        // A keyed hash: the aggregates never hold a learner's identifier.
        let mut hasher = Sha256::new();
        hasher.update(self.settings.master_key.session_secret());
        hasher.update(tenant_id.0.as_bytes());
        hasher.update(key.as_str().as_bytes());
        hasher.finalize()[..16]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    /// One aggregation pass over every tenant: returns how many statements were counted.
    pub async fn run_stats_once(&self) -> anyhow::Result<u64> {
        let mut counted = 0;
        for tenant in self.storage.find_tenants().await? {
            let now = Utc::now();
            let Some(mut last_seq) = self
                .storage
                .claim_stats_cursor(tenant.id, now, now + LEASE)
                .await?
            else {
                continue;
            };
            let mut counts: HashMap<(String, &'static str, String), i64> = HashMap::new();
            let mut learners: BTreeMap<(String, String), ()> = BTreeMap::new();
            for _ in 0..PAGES_PER_PASS {
                let page = self
                    .storage
                    .find_statements(
                        tenant.id,
                        &StatementFilter {
                            ascending: true,
                            after_seq: Some(last_seq),
                            limit: PAGE,
                            ..StatementFilter::default()
                        },
                    )
                    .await?;
                let Some(last) = page.last() else {
                    break;
                };
                last_seq = last.seq;
                for stored in &page {
                    let Ok(statement) = serde_json::from_str::<Value>(&stored.payload) else {
                        continue;
                    };
                    let Some(day) = day_of(&statement) else {
                        continue;
                    };
                    counted += 1;
                    *counts
                        .entry((day.clone(), "statements", String::new()))
                        .or_default() += 1;
                    let verb = statement["verb"]["id"].as_str().unwrap_or("");
                    if (verb == COMPLETED || verb == PASSED)
                        && let Some(module) = statement["object"]["id"]
                            .as_str()
                            .and_then(|id| self.module_of(id))
                    {
                        *counts
                            .entry((day.clone(), "completions", module))
                            .or_default() += 1;
                    }
                    if let Some(key) = AgentKey::of(&statement["actor"]) {
                        learners.insert((day, self.learner_token(tenant.id, &key)), ());
                    }
                }
                if (page.len() as u64) < PAGE {
                    break;
                }
            }
            let counts: Vec<DailyCount> = counts
                .into_iter()
                .map(|((day, metric, key), count)| DailyCount {
                    tenant_id: tenant.id,
                    day,
                    metric: metric.to_owned(),
                    key,
                    count,
                })
                .collect();
            let learners: Vec<(String, String)> = learners.into_keys().collect();
            self.storage
                .apply_stats(tenant.id, last_seq, &counts, &learners)
                .await?;
        }
        Ok(counted)
    }

    pub(crate) fn spawn_stats_worker(&self) {
        let hub = self.clone();
        tokio::spawn(async move {
            let every = hub.settings.aggregate_every;
            let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                if let Err(err) = hub.run_stats_once().await {
                    tracing::warn!(error = %err, "aggregation pass failed");
                }
            }
        });
    }

    /// A launch counts itself in the day's figures.
    pub(crate) async fn count_launch(&self, tenant_id: TenantId) {
        let count = DailyCount {
            tenant_id,
            day: Utc::now().format("%Y-%m-%d").to_string(),
            metric: "launches".to_owned(),
            key: String::new(),
            count: 1,
        };
        if let Err(err) = self.storage.add_daily_counts(&[count]).await {
            tracing::warn!(error = %err, "launch not counted");
        }
    }

    /// The admin dashboard's figures for a period (and a tenant, or all): per day statements, launches and
    /// active learners; per module completions and certifications; per tenant certifications; the LRS's health.
    pub async fn admin_dashboard(&self, query: &DashboardQuery) -> Result<Value, StatsError> {
        if query.until < query.since {
            return Err(StatsError::Invalid("until is before since".to_owned()));
        }
        if (query.until - query.since).num_days() > 366 {
            return Err(StatsError::Invalid(
                "a period is at most 366 days".to_owned(),
            ));
        }
        let tenants = self.storage.find_tenants().await?;
        let tenant = match &query.tenant {
            Some(name) => Some(
                tenants
                    .iter()
                    .find(|tenant| &tenant.name == name)
                    .ok_or_else(|| StatsError::UnknownTenant(name.clone()))?,
            ),
            None => None,
        };
        let tenant_id = tenant.map(|tenant| tenant.id);
        let since = query.since.format("%Y-%m-%d").to_string();
        let until = query.until.format("%Y-%m-%d").to_string();
        let counts = self
            .storage
            .find_daily_counts(
                tenant_id,
                &since,
                &until,
                &["statements", "launches", "completions"],
            )
            .await?;
        let (learners_per_day, learners_total) = self
            .storage
            .find_active_learners(tenant_id, &since, &until)
            .await?;
        let mut days: BTreeMap<String, (i64, i64, u64)> = BTreeMap::new();
        let mut day = query.since;
        while day <= query.until {
            days.insert(day.format("%Y-%m-%d").to_string(), (0, 0, 0));
            day += Duration::days(1);
        }
        let mut completions: BTreeMap<String, i64> = BTreeMap::new();
        for count in &counts {
            let entry = days.entry(count.day.clone()).or_default();
            match count.metric.as_str() {
                "statements" => entry.0 += count.count,
                "launches" => entry.1 += count.count,
                _ => *completions.entry(count.key.clone()).or_default() += count.count,
            }
        }
        for (day, learners) in learners_per_day {
            days.entry(day).or_default().2 = learners;
        }
        let mut certifications_by_module: BTreeMap<String, u64> = BTreeMap::new();
        let mut certifications_by_tenant: BTreeMap<String, u64> = BTreeMap::new();
        for certification in self.storage.list_certifications(tenant_id).await? {
            let day = certification.certified_at.date_naive();
            if certification.status != CertificationStatus::Certified
                || day < query.since
                || day > query.until
            {
                continue;
            }
            *certifications_by_module
                .entry(certification.content_id.clone())
                .or_default() += 1;
            let name = tenants
                .iter()
                .find(|tenant| tenant.id == certification.tenant_id)
                .map_or_else(
                    || certification.tenant_id.0.to_string(),
                    |tenant| tenant.name.clone(),
                );
            *certifications_by_tenant.entry(name).or_default() += 1;
        }
        let mut lag = 0i64;
        let mut stored = 0i64;
        for tenant in tenants
            .iter()
            .filter(|candidate| tenant_id.is_none_or(|id| id == candidate.id))
        {
            let max = self.storage.find_max_statement_seq(tenant.id).await?;
            let cursor = self.storage.find_stats_cursor(tenant.id).await?;
            stored = stored.max(max);
            lag += (max - cursor).max(0);
        }
        let readiness = self.readiness().await;
        Ok(json!({
            "since": since,
            "until": until,
            "tenant": query.tenant,
            "days": days.iter().map(|(day, (statements, launches, learners))| json!({
                "day": day, "statements": statements, "launches": launches, "active_learners": learners,
            })).collect::<Vec<_>>(),
            "totals": {
                "statements": days.values().map(|figures| figures.0).sum::<i64>(),
                "launches": days.values().map(|figures| figures.1).sum::<i64>(),
                "active_learners": learners_total,
                "certifications": certifications_by_module.values().sum::<u64>(),
            },
            "completions_by_module": completions,
            "certifications_by_module": certifications_by_module,
            "certifications_by_tenant": certifications_by_tenant,
            "lrs": {
                "ready": readiness.is_ready(),
                "statements_not_yet_aggregated": lag,
                "highest_sequence_number": stored,
            },
        }))
    }
}
