//! Certification from statements: a learner who does every required activity of a module and passes its final quiz
//! in the player is certified, with the rule version and the statements that proved it, and an `earned` statement;
//! a score claimed with the browser's token is refused; voiding the quiz result revokes the certification.

use serde_json::{Value, json};

use classcode_test_support::lti::{
    app_with_platform, attribute, complete_required_activities, launch_learner, pass_final_quiz,
    platform_tenant,
};

const MODULE: &str = "fr.classcode.information";

async fn certifications(app: &classcode_test_support::TestApp) -> Vec<Value> {
    app.admin_get("/api/admin/certifications")
        .await
        .json::<Vec<Value>>()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_module_is_certified_from_its_statements_and_revoked_when_its_proof_is_voided() {
    let app = app_with_platform().await;
    let page = launch_learner(&app).await;
    let session = attribute(&page, "data-session-token").to_owned();
    let auth = format!("Bearer {session}");
    let required = classcode_test_support::lti::demo_required_activities();
    complete_required_activities(&app, &session).await;
    assert!(
        certifications(&app).await.is_empty(),
        "not before the final quiz"
    );

    // A score claimed with the browser's copy of the token, dressed as the hub's: refused.
    let actor: Value =
        serde_json::from_str(&attribute(&page, "data-xapi-actor").replace("&quot;", "\"")).unwrap();
    let forged = json!({
        "actor": actor,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"},
        "object": {"id": format!("{}/content/{MODULE}/quiz-final", app.address)},
        "result": {"score": {"scaled": 1.0}},
        "context": {
            "registration": attribute(&page, "data-xapi-registration"),
            "extensions": {"https://classcode.fr/xapi/extensions/scored-by-hub": true},
        },
    });
    let refused = app
        .client
        .post(app.url("/xapi/statements"))
        .header("authorization", &auth)
        .header("x-experience-api-version", "2.0.0")
        .json(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert!(certifications(&app).await.is_empty());

    // The final quiz, all right, in the player.
    pass_final_quiz(&app, &session).await;
    let listed = certifications(&app).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    let certification = &listed[0];
    assert_eq!(certification["status"], "certified");
    assert_eq!(certification["content_id"], MODULE);
    assert_eq!(certification["rule_version"], 1);
    assert_eq!(certification["scaled"], 1.0);
    assert_eq!(
        certification["evidence"].as_array().unwrap().len(),
        required.len(),
        "one proving statement per required activity: {certification}"
    );

    // The LRS holds the earned statement; the quiz result is one of the proofs.
    let reader = app.lrs_client(&platform_tenant(&app).await, &["all"]).await;
    let earned = reader
        .get_json("/statements?verb=http://id.tincanapi.com/verb/earned")
        .await;
    assert_eq!(
        earned["statements"].as_array().unwrap().len(),
        1,
        "{earned}"
    );
    assert_eq!(
        earned["statements"][0]["context"]["extensions"]["https://classcode.fr/xapi/extensions/certification"],
        certification["id"]
    );
    let passed = reader
        .get_json("/statements?verb=http://adlnet.gov/expapi/verbs/passed")
        .await;
    let passed_id = passed["statements"][0]["id"].clone();
    assert!(
        certification["evidence"]
            .as_array()
            .unwrap()
            .contains(&passed_id)
    );

    // Voiding that result takes the proof away: the certification is revoked, with the reason.
    reader
        .store(&json!({
            "actor": {"objectType": "Agent", "mbox": "mailto:admin@classcode.example"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
            "object": {"objectType": "StatementRef", "id": passed_id},
        }))
        .await;
    let listed = certifications(&app).await;
    assert_eq!(listed[0]["status"], "revoked", "{listed:?}");
    assert!(
        listed[0]["revoked_reason"]
            .as_str()
            .unwrap()
            .contains("quiz-final"),
        "{listed:?}"
    );
}
