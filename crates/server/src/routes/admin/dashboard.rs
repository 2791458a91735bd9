//! `/api/admin/dashboard`: the admin dashboard's figures for a period and a tenant (or all), as JSON and as SVG
//! charts; `POST /api/admin/dashboard/refresh` runs an aggregation pass now (the workers run one every 5 s).

use std::fmt::Write as _;

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpResponse, get, post, web};
use chrono::{Duration, NaiveDate, Utc};
use classcode_hub::Hub;
use classcode_hub::stats::{DashboardQuery, StatsError};
use serde::Deserialize;

use super::AdminCaller;
use crate::error::ApiError;
use crate::routes::lti::pages::esc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(dashboard).service(chart).service(refresh);
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Period {
    pub since: Option<String>,
    pub until: Option<String>,
    pub tenant: Option<String>,
}

pub(crate) fn stats_error(err: StatsError) -> ApiError {
    match err {
        StatsError::Invalid(message) => ApiError::bad_request("invalid_period", message),
        StatsError::UnknownTenant(_) => ApiError::NotFound(err.to_string()),
        StatsError::Unexpected(inner) => ApiError::Unexpected(inner),
    }
}

pub(crate) fn query_of(period: &Period) -> Result<DashboardQuery, ApiError> {
    let day = |text: &Option<String>, what: &str, default: NaiveDate| match text {
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            ApiError::bad_request(
                "invalid_period",
                format!("{what}: {text:?} is not a day written YYYY-MM-DD"),
            )
        }),
        None => Ok(default),
    };
    let today = Utc::now().date_naive();
    Ok(DashboardQuery {
        since: day(&period.since, "since", today - Duration::days(29))?,
        until: day(&period.until, "until", today)?,
        tenant: period.tenant.clone(),
    })
}

#[get("/dashboard")]
async fn dashboard(
    _admin: AdminCaller,
    hub: web::Data<Hub>,
    period: web::Query<Period>,
) -> Result<HttpResponse, ApiError> {
    let figures = hub
        .admin_dashboard(&query_of(&period)?)
        .await
        .map_err(stats_error)?;
    Ok(HttpResponse::Ok().json(figures))
}

/// A column chart of one series over the days, as SVG.
pub(crate) fn day_chart(title: &str, points: &[(String, f64)]) -> String {
    let max = points
        .iter()
        .map(|(_, value)| *value)
        .fold(0.0, f64::max)
        .max(1.0);
    let width = 640.0;
    let step = width / points.len().max(1) as f64;
    let mut bars = String::new();
    for (index, (day, value)) in points.iter().enumerate() {
        let height = value / max * 180.0;
        let _ = write!(
            bars,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{height:.1}\" fill=\"#0b4f9c\"><title>{day}: {value}</title></rect>",
            x = 40.0 + index as f64 * step,
            y = 200.0 - height,
            w = (step - 1.0).max(1.0),
            day = esc(day),
        );
    }
    let first = points.first().map(|(day, _)| day.as_str()).unwrap_or("");
    let last = points.last().map(|(day, _)| day.as_str()).unwrap_or("");
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{title}\" viewBox=\"0 0 700 240\" width=\"700\" height=\"240\">\
<title>{title}</title><line x1=\"40\" y1=\"200\" x2=\"680\" y2=\"200\" stroke=\"#555\"/>\
<text x=\"0\" y=\"24\" font-size=\"12\" font-family=\"sans-serif\">{max}</text>{bars}\
<text x=\"40\" y=\"220\" font-size=\"12\" font-family=\"sans-serif\">{first}</text>\
<text x=\"680\" y=\"220\" font-size=\"12\" font-family=\"sans-serif\" text-anchor=\"end\">{last}</text></svg>",
        title = esc(title),
        max = max,
        first = esc(first),
        last = esc(last),
    )
}

#[get("/dashboard/{chart}.svg")]
async fn chart(
    _admin: AdminCaller,
    hub: web::Data<Hub>,
    chart: web::Path<String>,
    period: web::Query<Period>,
) -> Result<HttpResponse, ApiError> {
    let (series, title) = match chart.as_str() {
        "statements" => ("statements", "Déclarations xAPI par jour"),
        "launches" => ("launches", "Lancements par jour"),
        "active-learners" => ("active_learners", "Apprenants actifs par jour"),
        other => {
            return Err(ApiError::NotFound(format!(
                "no chart {other:?}: statements, launches or active-learners"
            )));
        }
    };
    let figures = hub
        .admin_dashboard(&query_of(&period)?)
        .await
        .map_err(stats_error)?;
    let points: Vec<(String, f64)> = figures["days"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|day| {
            (
                day["day"].as_str().unwrap_or("").to_owned(),
                day[series].as_f64().unwrap_or(0.0),
            )
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "image/svg+xml"))
        .body(day_chart(title, &points)))
}

#[post("/dashboard/refresh")]
async fn refresh(_admin: AdminCaller, hub: web::Data<Hub>) -> Result<HttpResponse, ApiError> {
    let counted = hub.run_stats_once().await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "statements_counted": counted })))
}
