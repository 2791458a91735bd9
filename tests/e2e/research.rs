//! Research exports: a study declared by an admin, learners who take part and learners who opted out (in the
//! player, or by their platform's default), statements carrying names, e-mails and phone numbers, and the
//! study's exports in JSONL, CSV and Parquet through the research API. No raw identifier of the input appears in
//! any output file; opted-out learners are absent; a group under k is suppressed and counted; the manifest's hashes
//! match the files; every export is logged; a credential sees its own study only.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use classcode_test_support::TestApp;
use classcode_test_support::lti::{
    ISSUER, LEARNER_ROLE, app_with_platform, attribute, complete_required_activities, launch_as,
    platform_tenant,
};

/// A learner's launch into the demo module under their own LMS id, with extra custom parameters.
async fn launch_learner_as(app: &TestApp, subject: &str, custom: Value) -> String {
    let page = launch_as(app, subject, json!([LEARNER_ROLE]), None, custom).await;
    attribute(&page, "data-session-token").to_owned()
}

fn basic(key: &str, secret: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{key}:{secret}"))
    )
}

async fn research_get(app: &TestApp, auth: &str, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header("authorization", auth)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_study_exports_pseudonymised_traces_without_opted_out_learners_or_small_groups() {
    let app = app_with_platform().await;
    let tenant = platform_tenant(&app).await;

    // The study first, so that learners can see it in the player.
    let created = app
        .admin_post(
            "/api/admin/research/studies",
            &json!({
                "name": "usages-snt",
                "team": "Laboratoire d'éducation, Université de Nantes",
                "purpose": "Comprendre comment les enseignants progressent dans les modules",
                "legal_basis": "mission d'intérêt public (RGPD art. 6-1-e)",
                "scope": {"tenants": [tenant]},
                "retention_until": "2030-12-31",
                "k_anonymity": 3,
                "timestamps": "day",
            }),
        )
        .await;
    assert_eq!(created.status(), 201);
    let study: Value = created.json().await.unwrap();
    assert!(
        study.get("key").is_none() && study.get("key_sealed").is_none(),
        "{study}"
    );
    let duplicate = app
        .admin_post(
            "/api/admin/research/studies",
            &json!({"name": "usages-snt", "team": "x", "purpose": "x", "legal_basis": "x",
                    "scope": {"tenants": [tenant]}, "retention_until": "2030-12-31"}),
        )
        .await;
    assert_eq!(duplicate.status(), 409);
    let unknown_tenant = app
        .admin_post(
            "/api/admin/research/studies",
            &json!({"name": "autre", "team": "x", "purpose": "x", "legal_basis": "x",
                    "scope": {"tenants": ["nowhere"]}, "retention_until": "2030-12-31"}),
        )
        .await;
    assert_eq!(unknown_tenant.status(), 400);

    // Five learners take part; a sixth opts out in the player; a seventh's platform makes opting out the default.
    let mut sessions = Vec::new();
    for index in 1..=6 {
        let session = launch_learner_as(&app, &format!("u-{index}"), json!({})).await;
        complete_required_activities(&app, &session).await;
        sessions.push(session);
    }
    let page = app
        .client
        .post(app.url("/player/research"))
        .form(&[("session", sessions[5].as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("data-study=\"usages-snt\"") && page.contains("data-taking-part=\"true\""),
        "{page}"
    );
    let chosen = app
        .client
        .post(app.url("/player/research/choice"))
        .form(&[
            ("session", sessions[5].as_str()),
            ("study", study["id"].as_str().unwrap()),
            ("choice", "out"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(chosen.status(), 200);
    assert!(
        chosen
            .text()
            .await
            .unwrap()
            .contains("data-taking-part=\"false\"")
    );
    let defaulted = launch_learner_as(&app, "u-7", json!({"research_default": "out"})).await;
    complete_required_activities(&app, &defaulted).await;

    // An authoring tool's statements with names, an e-mail and a phone number, and a lone learner in another
    // course (a group of one, under k).
    let lrs = app.lrs_client(&tenant, &["all"]).await;
    let course = |id: &str| json!({"contextActivities": {"grouping": [{"id": format!("https://classes.example.net/course/{id}")}]}});
    let mut batch = Vec::new();
    for index in 1..=3 {
        batch.push(json!({
            "actor": {"objectType": "Agent", "name": format!("Camille Martin {index}"), "mbox": format!("mailto:camille{index}@example.org")},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
            "object": {"id": "https://hub.example/content/fr.classcode.information/q-libre"},
            "result": {"response": format!("Contactez-moi : camille{index}@example.org ou 06 12 34 56 7{index}, Camille Martin {index}")},
            "context": course("A"),
        }));
    }
    batch.push(json!({
        "actor": {"objectType": "Agent", "name": "Dominique Seul", "mbox": "mailto:dominique@example.org"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": "https://hub.example/content/fr.classcode.information/page"},
        "context": course("B"),
    }));
    lrs.store(&Value::Array(batch)).await;

    // The research team's credential, and an export in each format.
    let credential: Value = app
        .admin_post(
            "/api/admin/research/studies/usages-snt/credentials",
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    let auth = basic(
        credential["key"].as_str().unwrap(),
        credential["secret"].as_str().unwrap(),
    );
    let mut forbidden: Vec<String> = (1..=7).map(|index| format!("u-{index}")).collect();
    forbidden.extend(
        [
            "Camille",
            "Martin",
            "camille1@example.org",
            "06 12 34 56 7",
            "Dominique",
            "Élève",
            ISSUER,
        ]
        .map(str::to_owned),
    );
    let mut exported = None;
    for format in ["jsonl", "csv", "parquet"] {
        let response = app
            .client
            .post(app.url("/api/research/exports"))
            .header("authorization", &auth)
            .json(&json!({"format": format}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "{format}");
        let manifest: Value = response.json().await.unwrap();
        let counts = manifest["counts"].clone();
        assert!(
            counts["statements_of_opted_out_learners"].as_u64().unwrap() > 0,
            "{counts}"
        );
        assert_eq!(
            counts["groups_suppressed"], 1,
            "Dominique's course B: {counts}"
        );
        assert_eq!(counts["statements_suppressed"], 1, "{counts}");
        assert_eq!(
            counts["learners_exported"], 8,
            "u-1..u-5 and three Camilles: {counts}"
        );
        if let Some(previous) = &exported {
            assert_eq!(
                &counts["statements_exported"], previous,
                "every format exports the same statements"
            );
        }
        exported = Some(counts["statements_exported"].clone());
        let export = manifest["export"].as_str().unwrap();
        for file in manifest["files"].as_array().unwrap() {
            let name = file["name"].as_str().unwrap();
            let response = research_get(
                &app,
                &auth,
                &format!("/api/research/exports/{export}/{name}"),
            )
            .await;
            assert_eq!(response.status(), 200, "{name}");
            let bytes = response.bytes().await.unwrap();
            let sha256: String = Sha256::digest(&bytes)
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect();
            assert_eq!(file["sha256"], sha256.as_str(), "{name}");
            let text = String::from_utf8_lossy(&bytes);
            for raw in &forbidden {
                assert!(!text.contains(raw.as_str()), "{raw} appears in {name}");
            }
            if name.ends_with(".parquet") {
                assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"));
                use parquet::file::reader::FileReader;
                let path = std::env::temp_dir().join(format!("{}.parquet", uuid::Uuid::new_v4()));
                std::fs::write(&path, &bytes).unwrap();
                let reader = parquet::file::reader::SerializedFileReader::new(
                    std::fs::File::open(&path).unwrap(),
                )
                .unwrap();
                std::fs::remove_file(&path).unwrap();
                assert_eq!(
                    reader.metadata().file_metadata().num_rows() as u64,
                    counts["statements_exported"].as_u64().unwrap()
                );
            }
            if name == "statements.jsonl" {
                let first: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
                assert_eq!(
                    first["actor"]["account"]["homePage"],
                    "https://classcode.fr/research/pseudonym"
                );
                assert!(
                    first["timestamp"]
                        .as_str()
                        .unwrap()
                        .ends_with("T00:00:00.000Z"),
                    "{first}"
                );
                assert!(
                    text.contains("[name]") && text.contains("[phone]"),
                    "free text is scrubbed: {text}"
                );
            }
            if name == "data-dictionary.csv" {
                assert!(text.starts_with("column,type,description,source"));
            }
        }
        let manifest_file = research_get(
            &app,
            &auth,
            &format!("/api/research/exports/{export}/manifest.json"),
        )
        .await;
        assert_eq!(manifest_file.status(), 200);
    }
    let logged: Vec<Value> = research_get(&app, &auth, "/api/research/exports")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(logged.len(), 3, "every export is logged");
    assert_eq!(logged[0]["requested_by"], "research API credential");
    let listed_for_admins: Vec<Value> = app
        .admin_get("/api/admin/research/studies/usages-snt/exports")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed_for_admins, logged,
        "the console lists the same exports as the study's team sees"
    );

    // Another study's credential does not see this one's exports; a wrong secret is refused.
    app.admin_post(
        "/api/admin/research/studies",
        &json!({"name": "autre-etude", "team": "x", "purpose": "x", "legal_basis": "x",
                "scope": {"tenants": [tenant]}, "retention_until": "2030-12-31"}),
    )
    .await;
    let other: Value = app
        .admin_post(
            "/api/admin/research/studies/autre-etude/credentials",
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    let other_auth = basic(
        other["key"].as_str().unwrap(),
        other["secret"].as_str().unwrap(),
    );
    let export = logged[0]["export"].as_str().unwrap();
    let denied = research_get(
        &app,
        &other_auth,
        &format!("/api/research/exports/{export}/manifest.json"),
    )
    .await;
    assert_eq!(denied.status(), 404);
    let wrong = research_get(
        &app,
        &basic(credential["key"].as_str().unwrap(), "wrong"),
        "/api/research/study",
    )
    .await;
    assert_eq!(wrong.status(), 401);
    let traversal = research_get(
        &app,
        &auth,
        &format!("/api/research/exports/{export}/..%2F..%2Fclasscode.db"),
    )
    .await;
    assert_eq!(traversal.status(), 404);
    let bad_format = app
        .client
        .post(app.url("/api/research/exports"))
        .header("authorization", &auth)
        .json(&json!({"format": "xlsx"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_format.status(), 400);
}
