//! The teacher's class dashboard: an instructor's launch of a course link opens it; it lists the learners who
//! launched the link with their progress per activity, best quiz score and certification, the questions' success
//! rates, and gives the same as CSV; a learner's session cannot open it.

use serde_json::json;

use classcode_test_support::TestApp;
use classcode_test_support::lti::{
    INSTRUCTOR_ROLE, LEARNER_ROLE, app_with_platform, attribute, complete_required_activities,
    launch_as, pass_final_quiz,
};

/// A launch of the demo module in course `course-1`, as `subject` with this role; returns the launch page.
async fn launch_in_course(app: &TestApp, subject: &str, role: &str) -> String {
    launch_as(app, subject, json!([role]), Some("course-1"), json!({})).await
}

#[tokio::test]
async fn a_teacher_sees_each_learners_progress_score_and_certification_and_downloads_it() {
    let app = app_with_platform().await;
    let first = launch_in_course(&app, "u-1", LEARNER_ROLE).await;
    let first_session = attribute(&first, "data-session-token").to_owned();
    complete_required_activities(&app, &first_session).await;
    pass_final_quiz(&app, &first_session).await;
    let second = launch_in_course(&app, "u-2", LEARNER_ROLE).await;
    let second_session = attribute(&second, "data-session-token").to_owned();

    let teacher = launch_in_course(&app, "t-1", INSTRUCTOR_ROLE).await;
    assert!(
        teacher.contains("action=\"/teacher/dashboard\""),
        "{teacher}"
    );
    let session = attribute(&teacher, "data-session-token").to_owned();
    let response = app
        .client
        .post(app.url("/teacher/dashboard"))
        .form(&[("session", session.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("data-learners=\"2\""), "{page}");
    let progress = |learner: &str| -> f64 {
        page.split(&format!("data-learner=\"{learner}\" data-progress=\""))
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("no row for {learner} in {page}"))
    };
    assert!(progress("u-1") > 0.5, "{page}");
    assert_eq!(progress("u-2"), 0.0);
    assert!(page.contains("certifié"), "{page}");
    assert!(page.contains("<svg role=\"img\""), "charts are SVG");
    assert!(
        page.contains("Réussite par question"),
        "question success rates: {page}"
    );
    assert!(
        !page.contains("t-1"),
        "the teacher is not a learner of the class"
    );

    let csv = app
        .client
        .post(app.url("/teacher/dashboard.csv"))
        .form(&[("session", session.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = csv.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("name,lms_user_id,progress_percent"));
    let first_row = lines.iter().find(|line| line.contains(",u-1,")).unwrap();
    assert!(first_row.contains(",certified,"), "{first_row}");
    assert!(
        first_row.ends_with(",1") || first_row.contains(",1,"),
        "{first_row}"
    );

    let refused = app
        .client
        .post(app.url("/teacher/dashboard"))
        .form(&[("session", second_session.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let forged = app
        .client
        .post(app.url("/teacher/dashboard"))
        .form(&[("session", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
}
