//! A cmi5 course package in the hub: imported through the admin API (a broken one refused with every problem),
//! launched from an LTI launch the way cmi5 says (`launched` and `LMS.LaunchData` first, then the AU's URL with
//! its five parameters), the single-use fetch URL, the cmi5 rules on the AU's statements, `moveOn` turned into
//! `satisfied` for the block and the course, the AU's score queued as the LMS grade, the way back, and an AU left open abandoned at the next launch.

use std::path::Path;

use serde_json::{Value, json};

use classcode_test_support::TestApp;
use classcode_test_support::lti::{
    CMI5_SAMPLE as SAMPLE, app_with_platform, attribute, launch_learner_into,
    upload_package as upload, zip_folder,
};
const QUIZ_AU: &str = "https://classcode.fr/cmi5/compter-en-binaire/quiz";
const READING_AU: &str = "https://classcode.fr/cmi5/compter-en-binaire/decouvrir";

/// Imports the sample course through the admin API and launches it as a learner: its content id and the session.
async fn course_launch(app: &TestApp, line_item: Option<&str>) -> (String, String) {
    let (status, report) = upload(app, zip_folder(Path::new(SAMPLE), None)).await;
    assert_eq!(status, 200, "{report}");
    let label = report["imported"][0].as_str().unwrap();
    let content_id = label.split_once('@').unwrap().0.to_owned();
    let page = launch_learner_into(app, &content_id, line_item).await;
    (
        content_id,
        attribute(&page, "data-session-token").to_owned(),
    )
}

async fn form(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    client
        .post(app.url(path))
        .form(fields)
        .send()
        .await
        .unwrap()
}

struct Au {
    endpoint: String,
    auth: String,
    actor: Value,
    registration: String,
    activity_id: String,
    session_id: String,
    /// The LMS.LaunchData the AU read.
    launch_data: Value,
}

const ADL: &str = "http://adlnet.gov/expapi/verbs/";

impl Au {
    /// A cmi5 statement of this AU's session; `verb` is an ADL verb's last word.
    fn statement(&self, verb: &str, result: Value, moveon: bool) -> Value {
        let mut category =
            vec![json!({"id": "https://w3id.org/xapi/cmi5/context/categories/cmi5"})];
        if moveon {
            category.push(json!({"id": "https://w3id.org/xapi/cmi5/context/categories/moveon"}));
        }
        let mut statement = json!({
            "id": uuid::Uuid::new_v4(),
            "actor": self.actor,
            "verb": {"id": format!("{ADL}{verb}")},
            "object": {"objectType": "Activity", "id": self.activity_id},
            "context": {
                "registration": self.registration,
                "contextActivities": {"category": category, "grouping": [{"id": QUIZ_AU}]},
                "extensions": {"https://w3id.org/xapi/cmi5/context/extensions/sessionid": self.session_id},
            },
            "timestamp": "2026-11-29T10:00:00.000Z",
        });
        if !result.is_null() {
            statement["result"] = result;
        }
        statement
    }

    /// Sends a fresh statement with this verb and result.
    async fn send_verb(&self, verb: &str, result: Value, moveon: bool) -> (u16, Value) {
        self.send(&self.statement(verb, result, moveon)).await
    }

    async fn send(&self, statement: &Value) -> (u16, Value) {
        let response = reqwest::Client::new()
            .post(format!("{}statements", self.endpoint))
            .header("authorization", &self.auth)
            .header("x-experience-api-version", "1.0.3")
            .json(statement)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// Launches an AU from the course page and plays the AU's side of the launch: the five parameters, then the fetch.
async fn launch_au(app: &TestApp, session: &str, au: &str) -> Au {
    let response = form(
        app,
        "/player/cmi5",
        &[("session", session), ("activity", au)],
    )
    .await;
    assert_eq!(response.status(), 303, "{:?}", response.text().await);
    let location = url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    assert!(location.path().ends_with("/au/index.html"), "{location}");
    let param = |name: &str| {
        location
            .query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
            .unwrap_or_else(|| panic!("no {name} in {location}"))
    };
    assert!(
        location.query_pairs().any(|(key, _)| key == "etape"),
        "the AU's own parameters stay"
    );
    let activity_id = param("activityId");
    assert_ne!(
        activity_id, au,
        "the activity id is the hub's, not the publisher's"
    );
    // The AU's POST to the fetch URL, which answers JSON (HTTP 200) whether it hands a token out or not.
    let fetch = || async {
        reqwest::Client::new()
            .post(param("fetch"))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    };
    let fetched = fetch().await;
    let token = fetched["auth-token"]
        .as_str()
        .unwrap_or_else(|| panic!("{fetched}"))
        .to_owned();
    let again = fetch().await;
    assert_eq!(
        again["error-code"], "1",
        "the fetch URL answers once: {again}"
    );
    let endpoint = param("endpoint");
    let actor: Value = serde_json::from_str(&param("actor")).unwrap();
    let registration = param("registration");
    let auth = format!("Basic {token}");
    let state_url = format!(
        "{endpoint}activities/state?stateId=LMS.LaunchData&activityId={}&agent={}&registration={registration}",
        url::form_urlencoded::byte_serialize(activity_id.as_bytes()).collect::<String>(),
        url::form_urlencoded::byte_serialize(actor.to_string().as_bytes()).collect::<String>(),
    );
    let launch_data: Value = reqwest::Client::new()
        .get(&state_url)
        .header("authorization", &auth)
        .header("x-experience-api-version", "1.0.3")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(launch_data["launchMode"], "Normal", "{launch_data}");
    assert_eq!(
        launch_data["contextTemplate"]["contextActivities"]["grouping"][0]["id"],
        au
    );
    let session_id = launch_data["contextTemplate"]["extensions"]
        ["https://w3id.org/xapi/cmi5/context/extensions/sessionid"]
        .as_str()
        .unwrap()
        .to_owned();
    // The AU may read LMS.LaunchData, never change it.
    let overwrite = reqwest::Client::new()
        .put(&state_url)
        .header("authorization", &auth)
        .header("x-experience-api-version", "1.0.3")
        .json(&json!({"launchMode": "Browse"}))
        .send()
        .await
        .unwrap();
    assert_eq!(overwrite.status(), 403);
    Au {
        endpoint,
        auth,
        actor,
        registration,
        activity_id,
        session_id,
        launch_data,
    }
}

#[tokio::test]
async fn a_cmi5_course_imports_launches_and_turns_the_aus_results_into_satisfied_and_a_grade() {
    let app = app_with_platform().await;

    // A broken package: every problem with its place, nothing stored.
    let (status, refused) = upload(
        &app,
        zip_folder(
            Path::new(SAMPLE),
            Some(("moveOn=\"Completed\"", "moveOn=\"Done\" masteryScore=\"2\"")),
        ),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    let problems = refused["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 2, "{refused}");
    assert!(
        problems
            .iter()
            .all(|problem| problem.as_str().unwrap().contains("cmi5.xml:")),
        "{refused}"
    );
    let listed: Value = app
        .admin_get("/api/admin/content")
        .await
        .json()
        .await
        .unwrap();
    assert!(!listed.to_string().contains("cmi5."), "{listed}");

    let (status, report) = upload(&app, zip_folder(Path::new(SAMPLE), None)).await;
    assert_eq!(status, 200, "{report}");
    let label = report["imported"][0].as_str().unwrap().to_owned();
    let (content_id, version) = label.split_once('@').unwrap();
    assert!(
        content_id.starts_with("cmi5.classcode-fr-cmi5-compter-en-binaire"),
        "{label}"
    );
    assert_eq!(version, "1.0.0");
    let (_, again) = upload(&app, zip_folder(Path::new(SAMPLE), None)).await;
    assert_eq!(
        again["unchanged"][0],
        label.as_str(),
        "the same package again changes nothing"
    );

    // The LMS launches the course; the learner sees its AUs.
    let page = launch_learner_into(
        &app,
        content_id,
        Some("https://lms.example.org/lineitems/7"),
    )
    .await;
    let session = attribute(&page, "data-session-token").to_owned();
    let course = form(&app, "/player", &[("session", &session)])
        .await
        .text()
        .await
        .unwrap();
    assert!(course.contains("id=\"cmi5\""), "{course}");
    assert!(course.contains("Quiz : compter en binaire"), "{course}");
    assert_eq!(attribute(&course, "data-progress"), "0/2");

    // The quiz AU: the cmi5 rules hold.
    let au = launch_au(&app, &session, QUIZ_AU).await;
    let completed = au.statement(
        "completed",
        json!({"completion": true, "duration": "PT20S"}),
        true,
    );
    let (status, refused) = au.send(&completed).await;
    assert_eq!(status, 400, "completed before initialized: {refused}");
    assert!(
        refused["message"].as_str().unwrap().contains("initialized"),
        "{refused}"
    );
    let (status, body) = au.send_verb("initialized", Value::Null, false).await;
    assert_eq!(status, 200, "{body}");
    let low = au.statement(
        "passed",
        json!({"success": true, "duration": "PT20S", "score": {"scaled": 0.5}}),
        true,
    );
    let (status, refused) = au.send(&low).await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused["message"].as_str().unwrap().contains("mastery"),
        "{refused}"
    );
    let (status, body) = au.send(&completed).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = au.send(&completed).await;
    assert_eq!(
        status, 200,
        "the same statement again is a retry, not a second completed: {body}"
    );
    let passed = au.statement(
        "passed",
        json!({"success": true, "duration": "PT30S", "score": {"scaled": 0.75, "raw": 3, "min": 0, "max": 4}}),
        true,
    );
    let (status, body) = au.send(&passed).await;
    assert_eq!(status, 200, "{body}");
    let terminated = au.statement("terminated", json!({"duration": "PT40S"}), false);
    let (status, body) = au.send(&terminated).await;
    assert_eq!(status, 200, "{body}");
    let (status, refused) = au.send_verb("experienced", Value::Null, false).await;
    assert_eq!(status, 400, "nothing after terminated: {refused}");

    // The block and course are not satisfied until the reading AU is completed too.
    let reading = launch_au(&app, &session, READING_AU).await;
    for statement in [
        reading.statement("initialized", Value::Null, false),
        reading.statement(
            "completed",
            json!({"completion": true, "duration": "PT9S"}),
            true,
        ),
        reading.statement("terminated", json!({"duration": "PT10S"}), false),
    ] {
        let (status, body) = reading.send(&statement).await;
        assert_eq!(status, 200, "{body}");
    }

    // The tenant's LRS holds launched (by the hub), the AU's statements, and satisfied for block and course.
    let tenant = classcode_test_support::lti::platform_tenant(&app).await;
    let reader = app.lrs_client(&tenant, &["statements/read"]).await;
    let satisfied: Value = reader
        .get(&format!(
            "/statements?verb={}&registration={}",
            "https://w3id.org/xapi/adl/verbs/satisfied", au.registration
        ))
        .await
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = satisfied["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|statement| statement["object"]["definition"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 2, "{satisfied}");
    assert!(
        kinds.iter().any(|kind| kind.ends_with("/block"))
            && kinds.iter().any(|kind| kind.ends_with("/course"))
    );
    let launched: Value = reader
        .get(&format!(
            "/statements?verb=http://adlnet.gov/expapi/verbs/launched&activity={}",
            url::form_urlencoded::byte_serialize(au.activity_id.as_bytes()).collect::<String>()
        ))
        .await
        .json()
        .await
        .unwrap();
    let launched = &launched["statements"][0];
    assert_eq!(
        launched["context"]["extensions"]["https://w3id.org/xapi/cmi5/context/extensions/moveon"],
        "CompletedAndPassed",
        "{launched}"
    );
    assert_eq!(
        launched["context"]["extensions"]["https://w3id.org/xapi/cmi5/context/extensions/masteryscore"],
        0.6
    );

    // The course page shows both AUs satisfied and the course done; the AU's score waits in the outbox as a grade.
    let course = form(&app, "/player", &[("session", &session)])
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(attribute(&course, "data-progress"), "2/2", "{course}");
    assert!(course.contains("75 %"), "{course}");
    let platforms: Value = app
        .admin_get("/api/admin/lti/platforms")
        .await
        .json()
        .await
        .unwrap();
    let platform_id = uuid::Uuid::parse_str(
        platforms[0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{platforms}")),
    )
    .unwrap();
    let storage = classcode_storage::Storage::connect(&app.database.connect_options())
        .await
        .unwrap();
    let grades = storage
        .find_outbox_items(classcode_storage::PlatformId(platform_id))
        .await
        .unwrap();
    assert_eq!(
        grades.len(),
        1,
        "one score, from the AU's passed: {grades:?}"
    );
    let score: Value = serde_json::from_str(&grades[0].payload).unwrap();
    assert_eq!(score["score"]["scoreGiven"], 75.0, "{score}");
    assert_eq!(
        score["line_item"], "https://lms.example.org/lineitems/7",
        "{score}"
    );
}

#[tokio::test]
async fn the_return_url_brings_the_learner_back_and_a_forged_one_is_refused() {
    let app = app_with_platform().await;
    let (_, session) = course_launch(&app, None).await;
    let au = launch_au(&app, &session, READING_AU).await;
    let back = au.launch_data["returnURL"].as_str().unwrap();
    let page = reqwest::get(back).await.unwrap().text().await.unwrap();
    assert!(
        page.contains("id=\"cmi5\"") && page.contains("Découvrir le binaire"),
        "{page}"
    );
    let forged = format!("{}0", &back[..back.len() - 1]);
    let forged = if forged == back {
        format!("{}1", &back[..back.len() - 1])
    } else {
        forged
    };
    assert_eq!(reqwest::get(&forged).await.unwrap().status(), 401);

    // The learner never quit that AU: launching again abandons the open session, whose token then writes nothing.
    let again = launch_au(&app, &session, READING_AU).await;
    assert_ne!(again.session_id, au.session_id);
    let (status, refused) = au.send_verb("initialized", Value::Null, false).await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused["message"].as_str().unwrap().contains("terminated"),
        "{refused}"
    );
    let (status, body) = again.send_verb("initialized", Value::Null, false).await;
    assert_eq!(status, 200, "{body}");
}
