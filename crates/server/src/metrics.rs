//! Prometheus metrics held by the application (no global recorder, so that several apps can share a process).

use std::sync::Arc;
use std::time::{Duration, Instant};

use classcode_storage::PoolStats;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusRecorder};

/// Latency buckets in seconds, from 1 ms to 10 s.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The application's metrics registry.
#[derive(Clone)]
pub struct Metrics {
    recorder: Arc<PrometheusRecorder>,
    started: Instant,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    pub fn new() -> anyhow::Result<Metrics> {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("http_request_duration_seconds".to_owned()),
                LATENCY_BUCKETS,
            )?
            .build_recorder();
        Ok(Metrics {
            recorder: Arc::new(recorder),
            started: Instant::now(),
        })
    }

    /// Runs `record` with this registry as the recorder of the `metrics` macros.
    pub fn record(&self, record: impl FnOnce()) {
        metrics::with_local_recorder(self.recorder.as_ref(), record);
    }

    pub fn request_started(&self) {
        self.record(|| metrics::gauge!("http_requests_in_flight").increment(1.0));
    }

    pub fn request_finished(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let method = method.to_owned();
        let route = route.to_owned();
        self.record(|| {
            metrics::gauge!("http_requests_in_flight").decrement(1.0);
            metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status.to_string())
                .increment(1);
            metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
                .record(elapsed.as_secs_f64());
        });
    }

    /// Renders the Prometheus text format, with the database pool figures as of now.
    pub fn render(&self, pool: PoolStats, backend: &'static str) -> String {
        self.record(|| {
            metrics::gauge!("db_pool_connections", "backend" => backend).set(f64::from(pool.size));
            metrics::gauge!("db_pool_idle_connections", "backend" => backend)
                .set(f64::from(pool.idle));
            metrics::gauge!("db_pool_max_connections", "backend" => backend)
                .set(f64::from(pool.max));
        });
        let handle = self.recorder.handle();
        handle.run_upkeep();
        handle.render()
    }

    /// How long this application has been running.
    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    /// A few figures read off the rendered metrics, for the console: requests served, answers by class, requests
    /// in flight, the mean latency and the pool.
    pub fn summary(&self, pool: PoolStats, backend: &'static str) -> Vec<(&'static str, f64)> {
        let text = self.render(pool, backend);
        let mut requests = 0.0;
        let mut client_errors = 0.0;
        let mut server_errors = 0.0;
        let mut in_flight = 0.0;
        let mut latency_sum = 0.0;
        let mut latency_count = 0.0;
        for line in text.lines().filter(|line| !line.starts_with('#')) {
            let Some((series, value)) = line.rsplit_once(' ') else {
                continue;
            };
            let Ok(value) = value.parse::<f64>() else {
                continue;
            };
            let name = series.split('{').next().unwrap_or(series);
            match name {
                "http_requests_total" => {
                    requests += value;
                    if series.contains("status=\"4") {
                        client_errors += value;
                    } else if series.contains("status=\"5") {
                        server_errors += value;
                    }
                }
                "http_requests_in_flight" => in_flight += value,
                "http_request_duration_seconds_sum" => latency_sum += value,
                "http_request_duration_seconds_count" => latency_count += value,
                _ => {}
            }
        }
        let mean_latency_ms = if latency_count > 0.0 {
            latency_sum / latency_count * 1000.0
        } else {
            0.0
        };
        vec![
            ("http_requests", requests),
            ("http_4xx", client_errors),
            ("http_5xx", server_errors),
            ("http_in_flight", in_flight),
            (
                "http_mean_latency_ms",
                (mean_latency_ms * 10.0).round() / 10.0,
            ),
            ("db_pool_connections", f64::from(pool.size)),
            ("db_pool_idle_connections", f64::from(pool.idle)),
        ]
    }
}
