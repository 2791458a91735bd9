//! Rate limits, per client address and per credential, as a GCRA (a token bucket kept as one instant per key):
//! `per_sec` requests a second on average, up to `burst` at once. Over the limit, a request is answered 429 with
//! `Retry-After` and a JSON body, before any handler runs. Limits are per node: with N nodes behind a balancer a
//! client gets up to N times the rate.
//!
//! The credential is what the request authenticates with: an HTTP Basic user (an LRS or research key, not its
//! secret) or a hash of a bearer token (admin token, launch token). The address is the peer's, or with
//! `limits.trust_forwarded_for` the client a reverse proxy names in `Forwarded` / `X-Forwarded-For`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{AUTHORIZATION, HeaderValue, RETRY_AFTER};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use base64::Engine;
use sha2::{Digest, Sha256};

/// Keys kept before expired ones are swept.
const SWEEP_AT: usize = 100_000;

/// One limit: a rate and a burst. A rate of 0 turns it off.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limit {
    pub per_sec: f64,
    pub burst: u32,
}

/// A GCRA limiter over string keys.
#[derive(Debug)]
pub struct Limiter {
    /// Time between two requests at the steady rate.
    interval: Duration,
    /// How far ahead of now a key's theoretical arrival time may run: `(burst - 1) * interval`.
    tolerance: Duration,
    /// Each key's theoretical arrival time.
    arrivals: Mutex<HashMap<String, Instant>>,
}

impl Limiter {
    /// `None` when the limit is off.
    pub fn new(limit: Limit) -> Option<Limiter> {
        if limit.per_sec <= 0.0 || limit.burst == 0 {
            return None;
        }
        let interval = Duration::from_secs_f64(1.0 / limit.per_sec);
        Some(Limiter {
            interval,
            tolerance: interval.saturating_mul(limit.burst - 1),
            arrivals: Mutex::new(HashMap::new()),
        })
    }

    /// Takes one request for `key` at `now`: `Ok` when allowed, else how long until it would be.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut arrivals = self
            .arrivals
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if arrivals.len() >= SWEEP_AT {
            arrivals.retain(|_, arrival| *arrival > now);
        }
        let arrival = arrivals.get(key).copied().unwrap_or(now).max(now);
        let ahead = arrival - now;
        if ahead > self.tolerance {
            return Err(ahead - self.tolerance);
        }
        arrivals.insert(key.to_owned(), arrival + self.interval);
        Ok(())
    }
}

/// The node's limiters, shared by every worker.
#[derive(Debug)]
pub struct RateLimits {
    pub per_address: Option<Limiter>,
    pub per_credential: Option<Limiter>,
    pub trust_forwarded_for: bool,
}

/// The credential a request presents, as a key that holds no secret.
fn credential_of(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    if let Some(basic) = value.strip_prefix("Basic ") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(basic.trim())
            .ok()?;
        let user = String::from_utf8_lossy(&decoded)
            .split(':')
            .next()
            .unwrap_or_default()
            .to_owned();
        return Some(format!("basic:{user}"));
    }
    let token = value.strip_prefix("Bearer ")?;
    let digest = Sha256::digest(token.trim().as_bytes());
    Some(format!(
        "bearer:{}",
        digest[..12]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect::<String>()
    ))
}

fn too_many(wait: Duration, what: &str) -> HttpResponse {
    let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
    HttpResponse::TooManyRequests()
        .insert_header((
            RETRY_AFTER,
            HeaderValue::from_str(&seconds.to_string()).unwrap_or(HeaderValue::from_static("1")),
        ))
        .json(serde_json::json!({
            "error": "rate_limited",
            "message": format!("too many requests {what}: retry after {seconds} s"),
        }))
}

/// The middleware: the address limit first, then the credential's. Probes and metrics are never limited.
pub async fn rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, actix_web::Error> {
    let path = req.path();
    let exempt = path == "/healthz" || path == "/readyz" || path == "/metrics";
    if let (false, Some(limits)) = (exempt, req.app_data::<web::Data<RateLimits>>().cloned()) {
        let now = Instant::now();
        if let Some(limiter) = &limits.per_address {
            let address = if limits.trust_forwarded_for {
                req.connection_info()
                    .realip_remote_addr()
                    .map(str::to_owned)
            } else {
                req.peer_addr().map(|peer| peer.ip().to_string())
            };
            if let Some(address) = address
                && let Err(wait) = limiter.check(&address, now)
            {
                let response = too_many(wait, "from this address");
                return Ok(req.into_response(response).map_into_right_body());
            }
        }
        if let (Some(limiter), Some(credential)) = (&limits.per_credential, credential_of(&req))
            && let Err(wait) = limiter.check(&credential, now)
        {
            let response = too_many(wait, "with this credential");
            return Ok(req.into_response(response).map_into_right_body());
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_the_steady_rate_holds() {
        let limiter = Limiter::new(Limit {
            per_sec: 10.0,
            burst: 5,
        })
        .unwrap();
        let start = Instant::now();
        for _ in 0..5 {
            assert!(limiter.check("a", start).is_ok());
        }
        let wait = limiter.check("a", start).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_millis(100),
            "{wait:?}"
        );
        // Another key has its own bucket.
        assert!(limiter.check("b", start).is_ok());
        // One interval later, one more request passes, and only one.
        let later = start + Duration::from_millis(100);
        assert!(limiter.check("a", later).is_ok());
        assert!(limiter.check("a", later).is_err());
        // After a long pause the whole burst is back.
        let much_later = start + Duration::from_secs(10);
        for _ in 0..5 {
            assert!(limiter.check("a", much_later).is_ok());
        }
        assert!(limiter.check("a", much_later).is_err());
    }

    #[test]
    fn a_rate_of_zero_is_no_limit() {
        assert!(
            Limiter::new(Limit {
                per_sec: 0.0,
                burst: 10
            })
            .is_none()
        );
    }
}
