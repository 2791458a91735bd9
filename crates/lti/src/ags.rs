//! Assignment and Grade Services 2.0: line items, scores and the URLs they are posted to.

use serde::{Deserialize, Serialize};

/// The media type of a score (AGS 2.0 §3.4).
pub const SCORE_MEDIA_TYPE: &str = "application/vnd.ims.lis.v1.score+json";
/// The media type of one line item (AGS 2.0 §3.2).
pub const LINE_ITEM_MEDIA_TYPE: &str = "application/vnd.ims.lis.v2.lineitem+json";
/// The media type of a line item container (AGS 2.0 §3.2).
pub const LINE_ITEM_CONTAINER_MEDIA_TYPE: &str =
    "application/vnd.ims.lis.v2.lineitemcontainer+json";

/// The scope to post scores.
pub const SCOPE_SCORE: &str = "https://purl.imsglobal.org/spec/lti-ags/scope/score";
/// The scope to manage line items.
pub const SCOPE_LINE_ITEM: &str = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem";
/// The scope to read line items.
pub const SCOPE_LINE_ITEM_READONLY: &str =
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly";
/// The scope to read results.
pub const SCOPE_RESULT_READONLY: &str =
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly";

/// A line item: one column of the gradebook (AGS 2.0 §3.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub score_maximum: f64,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_link_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

/// Where the learner is in the activity (AGS 2.0 §3.4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActivityProgress {
    Initialized,
    Started,
    InProgress,
    Submitted,
    Completed,
}

/// Whether the grade is final (AGS 2.0 §3.4.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GradingProgress {
    FullyGraded,
    Pending,
    PendingManual,
    Failed,
    NotReady,
}

/// A score posted for one learner (AGS 2.0 §3.4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Score {
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_given: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_maximum: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// RFC 3339 with sub-second precision, as §3.4.1 asks, so the platform can order scores.
    pub timestamp: String,
    pub activity_progress: ActivityProgress,
    pub grading_progress: GradingProgress,
}

impl Score {
    /// A final score from a scaled result in [0, 1], on `maximum` points.
    pub fn completed(user_id: &str, scaled: f64, maximum: f64, timestamp: String) -> Self {
        let scaled = scaled.clamp(0.0, 1.0);
        // Rounded to 1/1000 of a point so 0.85 × 100 reads 85, not 84.99999999999999.
        let given = (scaled * maximum * 1000.0).round() / 1000.0;
        Self {
            user_id: user_id.to_owned(),
            score_given: Some(given),
            score_maximum: Some(maximum),
            comment: None,
            timestamp,
            activity_progress: ActivityProgress::Completed,
            grading_progress: GradingProgress::FullyGraded,
        }
    }
}

/// The scores URL of a line item: `/scores` appended to the path, before any query string (AGS 2.0 §3.4:
/// Moodle's line item URLs carry `?type_id=N`, and appending after it posts to the wrong place).
pub fn scores_url(line_item: &str) -> Result<String, url::ParseError> {
    let mut url = url::Url::parse(line_item)?;
    let path = format!("{}/scores", url.path().trim_end_matches('/'));
    url.set_path(&path);
    Ok(url.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_go_before_the_query_string() {
        assert_eq!(
            scores_url(
                "https://moodle.example.org/mod/lti/services.php/2/lineitems/7/lineitem?type_id=3"
            )
            .unwrap(),
            "https://moodle.example.org/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=3"
        );
        assert_eq!(
            scores_url("https://canvas.example.org/api/lti/courses/1/line_items/5/").unwrap(),
            "https://canvas.example.org/api/lti/courses/1/line_items/5/scores"
        );
    }

    #[test]
    fn a_completed_score_has_the_spec_field_names_and_a_clean_value() {
        let score = Score::completed("u-1", 0.85, 100.0, "2026-11-29T10:00:00.123Z".to_owned());
        let json = serde_json::to_value(&score).unwrap();
        assert_eq!(json["userId"], "u-1");
        assert_eq!(json["scoreGiven"], 85.0);
        assert_eq!(json["scoreMaximum"], 100.0);
        assert_eq!(json["activityProgress"], "Completed");
        assert_eq!(json["gradingProgress"], "FullyGraded");
        assert!(json.get("comment").is_none());
    }

    #[test]
    fn scaled_scores_out_of_range_are_clamped() {
        let score = Score::completed("u", 1.5, 10.0, String::new());
        assert_eq!(score.score_given, Some(10.0));
    }
}
