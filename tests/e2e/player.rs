//! The module player after a launch: the launched module's activities, a page rendered from Markdown, marking it
//! done, the final quiz scored and recorded as xAPI (and so queued as a grade), resume, and the public content
//! files. Navigation carries the session token in forms only.

use serde_json::Value;

use classcode_test_support::lti::{app_with_platform, attribute, claims, launch, login, sign};

async fn post_form(
    app: &classcode_test_support::TestApp,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let response = app
        .client
        .post(app.url(path))
        .form(fields)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn a_learner_reads_a_page_passes_the_final_quiz_and_resumes_where_they_left() {
    let app = app_with_platform().await;
    let login = login(&app).await;
    let (status, page) = launch(
        &app,
        &sign(&claims(&login.nonce)),
        &login.state,
        Some(&login.cookie),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let session = attribute(&page, "data-session-token").to_owned();
    let auth = attribute(&page, "data-xapi-auth").to_owned();

    let (status, overview) = post_form(&app, "/player", &[("session", &session)]).await;
    assert_eq!(status, 200, "{overview}");
    let total: usize = attribute(&overview, "data-progress")
        .split('/')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!(total >= 5, "{overview}");
    assert_eq!(attribute(&overview, "data-progress"), format!("0/{total}"));
    assert!(overview.contains("Commencer"));

    let first = "fr.classcode.information#tout-est-nombre";
    let (status, activity) = post_form(
        &app,
        "/player/activity",
        &[("session", &session), ("activity", first)],
    )
    .await;
    assert_eq!(status, 200, "{activity}");
    assert_eq!(attribute(&activity, "data-kind"), "page");
    assert!(
        activity.contains("<h2>") || activity.contains("<p>"),
        "Markdown is rendered: {activity}"
    );
    let (_, done) = post_form(
        &app,
        "/player/complete",
        &[("session", &session), ("activity", first)],
    )
    .await;
    assert_eq!(attribute(&done, "data-progress"), format!("1/{total}"));

    let quiz = "fr.classcode.information#quiz-final";
    let mut fields: Vec<(String, String)> = vec![
        ("session".to_owned(), session.clone()),
        ("activity".to_owned(), quiz.to_owned()),
    ];
    fields.extend(classcode_test_support::lti::demo_final_quiz_answers());
    let response = app
        .client
        .post(app.url("/player/quiz"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    let result = response.text().await.unwrap();
    assert_eq!(attribute(&result, "data-scaled"), "1.0000", "{result}");
    assert!(result.contains("class=\"right\""));

    // The LRS holds the learner's statements: one `answered` per question and `passed` with the score.
    let statements: Value = app
        .client
        .get(app.url("/xapi/statements?verb=http://adlnet.gov/expapi/verbs/passed"))
        .header("authorization", &auth)
        .header("x-experience-api-version", "2.0.0")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let passed = &statements["statements"][0];
    assert_eq!(passed["result"]["score"]["scaled"], 1.0, "{statements}");
    assert!(
        passed["object"]["id"]
            .as_str()
            .unwrap()
            .ends_with("/content/fr.classcode.information/quiz-final")
    );

    // A new visit resumes at the last activity opened.
    let (_, again) = post_form(&app, "/player", &[("session", &session)]).await;
    assert!(again.contains("Reprendre"), "{again}");
    assert!(again.contains(&format!("value=\"{quiz}\"")), "{again}");
    assert_eq!(attribute(&again, "data-progress"), format!("2/{total}"));

    // The unplugged activity offers its sheet as a PDF from the package.
    let sheet = "fr.classcode.information#cartes-binaires";
    let (_, unplugged) = post_form(
        &app,
        "/player/activity",
        &[("session", &session), ("activity", sheet)],
    )
    .await;
    assert!(
        unplugged.contains("/content/fr.classcode.information/1.1.0/fiches/cartes-binaires.pdf"),
        "{unplugged}"
    );
    let pdf = app
        .get("/content/fr.classcode.information/1.1.0/fiches/cartes-binaires.pdf")
        .await;
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));

    // The video is served as the package's file, cacheable forever.
    let video = app
        .get("/content/fr.classcode.information/1.1.0/videos/compter-avec-deux-chiffres.webm")
        .await;
    assert_eq!(video.status(), 200);
    assert_eq!(video.headers()["content-type"], "video/webm");
    assert!(
        video
            .bytes()
            .await
            .unwrap()
            .starts_with(&[0x1a, 0x45, 0xdf, 0xa3]),
        "a WebM file"
    );
    assert_eq!(
        app.get("/content/fr.classcode.information/1.1.0/../../etc/passwd")
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn the_player_refuses_a_forged_session() {
    let app = app_with_platform().await;
    let (status, page) = post_form(&app, "/player", &[("session", "forged.token.value")]).await;
    assert_eq!(status, 401);
    assert!(page.contains("PLAYER_SESSION"));
}
