//! LTI 1.3 login and launch against the real hub, with a platform played by the test: it serves its JWKS over
//! HTTP and signs id_tokens with the test key of `classcode-lti`. The happy path (and the rest of LTI Advantage)
//! also runs against `lti1p3platform` in the peer tests; here are the refusals the 1EdTech certification checks.

use classcode_test_support::lti::{
    ISSUER, OTHER_KEY, PLATFORM_KEY, PLATFORM_PUBLIC, app_with_platform, attribute, claims,
    error_code, launch, login, sign, sign_with,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

#[tokio::test]
async fn a_signed_launch_opens_the_player_once_and_its_replay_is_refused() {
    let app = app_with_platform().await;
    let login = login(&app).await;
    let token = sign(&claims(&login.nonce));

    let (status, body) = launch(&app, &token, &login.state, Some(&login.cookie)).await;
    assert_eq!(status, 200, "{body}");
    assert!(!attribute(&body, "data-launch-id").is_empty());
    assert_eq!(
        attribute(&body, "data-content-id"),
        "fr.classcode.information"
    );
    assert!(body.contains("lang=\"fr\""));

    let (status, body) = launch(&app, &token, &login.state, Some(&login.cookie)).await;
    assert_eq!(status, 400);
    assert_eq!(error_code(&body), "LTI_STATE_REPLAYED");
}

#[tokio::test]
async fn forged_expired_or_misaddressed_id_tokens_are_refused_with_a_code() {
    let app = app_with_platform().await;
    let hs256_with_public_key = |claims: &Value| {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("platform-key-1".to_owned());
        jsonwebtoken::encode(
            &header,
            claims,
            &EncodingKey::from_secret(PLATFORM_PUBLIC).unwrap(),
        )
        .unwrap()
    };
    let alg_none = |claims: &Value| {
        use base64::Engine;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.",
            engine.encode(br#"{"alg":"none","kid":"platform-key-1"}"#),
            engine.encode(serde_json::to_vec(claims).unwrap())
        )
    };
    type Mutation = Box<dyn Fn(Value) -> String>;
    let set = |name: &'static str, value: Value| -> Mutation {
        Box::new(move |mut claims: Value| {
            claims[name] = value.clone();
            sign(&claims)
        })
    };
    let cases: Vec<(&str, Mutation, u16, &str)> = vec![
        (
            "bad signature",
            Box::new(|claims| sign_with(&claims, OTHER_KEY, "platform-key-1")),
            401,
            "LTI_TOKEN_SIGNATURE",
        ),
        (
            "alg none",
            Box::new(move |claims| alg_none(&claims)),
            401,
            "LTI_TOKEN_ALGORITHM",
        ),
        (
            "HS256 with the public key",
            Box::new(move |claims| hs256_with_public_key(&claims)),
            401,
            "LTI_TOKEN_ALGORITHM",
        ),
        (
            "unknown kid",
            Box::new(|claims| sign_with(&claims, PLATFORM_KEY, "nobody")),
            401,
            "LTI_TOKEN_UNKNOWN_KID",
        ),
        (
            "expired",
            set("exp", json!(1_000_000_000)),
            401,
            "LTI_TOKEN_EXPIRED",
        ),
        (
            "iat in the future",
            set("iat", json!(4_000_000_000_i64)),
            401,
            "LTI_TOKEN_IAT",
        ),
        (
            "wrong aud",
            set("aud", json!("someone-else")),
            401,
            "LTI_TOKEN_AUDIENCE",
        ),
        (
            "azp mismatch",
            set("azp", json!("someone-else")),
            401,
            "LTI_TOKEN_AZP",
        ),
        (
            "wrong iss",
            set("iss", json!("https://evil.example.net")),
            401,
            "LTI_TOKEN_ISSUER",
        ),
        (
            "wrong version",
            set(
                "https://purl.imsglobal.org/spec/lti/claim/version",
                json!("1.1.0"),
            ),
            401,
            "LTI_VERSION",
        ),
        (
            "wrong message type",
            set(
                "https://purl.imsglobal.org/spec/lti/claim/message_type",
                json!("LtiSubmissionReviewRequest"),
            ),
            401,
            "LTI_MESSAGE_TYPE",
        ),
        (
            "unknown deployment",
            set(
                "https://purl.imsglobal.org/spec/lti/claim/deployment_id",
                json!("dep-999"),
            ),
            403,
            "LTI_UNKNOWN_DEPLOYMENT",
        ),
        (
            "nonce of another login",
            set("nonce", json!("not-the-login-nonce")),
            401,
            "LTI_NONCE",
        ),
    ];
    for (name, mutate, status, code) in cases {
        let login = login(&app).await;
        let token = mutate(claims(&login.nonce));
        let (got_status, body) = launch(&app, &token, &login.state, Some(&login.cookie)).await;
        assert_eq!((got_status, error_code(&body)), (status, code), "{name}");
        assert!(
            body.contains("<h1>"),
            "{name}: an HTML page for the LMS admin"
        );
    }
}

#[tokio::test]
async fn a_launch_from_another_browser_is_refused_and_one_without_cookie_is_offered_a_new_window() {
    let app = app_with_platform().await;
    let login_one = login(&app).await;
    let token = sign(&claims(&login_one.nonce));
    let wrong_cookie = format!("cc_lti_{}=not-the-secret", login_one.state);
    let (status, body) = launch(&app, &token, &login_one.state, Some(&wrong_cookie)).await;
    assert_eq!((status, error_code(&body)), (400, "LTI_STATE_MISMATCH"));

    let (status, body) = launch(&app, &token, &login_one.state, None).await;
    assert_eq!(status, 200);
    assert!(body.contains("launch-new-window"), "{body}");
    assert!(
        body.contains("login_hint=u-1"),
        "the new window starts the login again: {body}"
    );

    // The refused attempts did not use the state up: the right browser still finishes the launch.
    let (status, body) = launch(&app, &token, &login_one.state, Some(&login_one.cookie)).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn logins_from_unknown_platforms_or_to_foreign_targets_are_refused() {
    let app = app_with_platform().await;
    let response = app
        .get(&format!(
            "/lti/login?iss=https://unknown.example.org&login_hint=x&target_link_uri={}/lti/launch",
            app.address
        ))
        .await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        error_code(&response.text().await.unwrap()),
        "LTI_UNKNOWN_ISSUER"
    );

    let response = app
        .get(&format!(
            "/lti/login?iss={ISSUER}&login_hint=x&target_link_uri=https://evil.example.net/"
        ))
        .await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        error_code(&response.text().await.unwrap()),
        "LTI_TARGET_LINK_URI"
    );
}

#[tokio::test]
async fn the_launch_token_writes_for_its_learner_only_and_the_jwks_publishes_the_signing_key() {
    let app = app_with_platform().await;
    let login = login(&app).await;
    let (_, body) = launch(
        &app,
        &sign(&claims(&login.nonce)),
        &login.state,
        Some(&login.cookie),
    )
    .await;
    let auth = attribute(&body, "data-xapi-auth").to_owned();
    let actor: Value =
        serde_json::from_str(&attribute(&body, "data-xapi-actor").replace("&quot;", "\"")).unwrap();
    let registration = attribute(&body, "data-xapi-registration").to_owned();
    let statement = |actor: &Value| {
        json!({
            "actor": actor,
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
            "object": {"id": "https://hub.example.org/content/x"},
            "context": {"registration": registration},
        })
    };
    let post = |body: Value| {
        app.client
            .post(app.url("/xapi/statements"))
            .header("authorization", &auth)
            .header("x-experience-api-version", "1.0.3")
            .json(&body)
            .send()
    };
    assert_eq!(post(statement(&actor)).await.unwrap().status(), 200);
    let other = json!({"objectType": "Agent", "account": {"homePage": ISSUER, "name": "u-2"}});
    assert_eq!(post(statement(&other)).await.unwrap().status(), 403);

    let jwks: Value = app.get("/lti/jwks").await.json().await.unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(
        (key["kty"].as_str(), key["alg"].as_str()),
        (Some("RSA"), Some("RS256"))
    );
    assert!(key.get("d").is_none(), "no private part is published");
}

#[tokio::test]
async fn a_launch_token_reads_only_its_own_learners_statements_and_state() {
    let app = app_with_platform().await;
    let mut players = Vec::new();
    for subject in ["u-1", "u-2"] {
        let login = login(&app).await;
        let mut learner = claims(&login.nonce);
        learner["sub"] = json!(subject);
        let (_, page) = launch(&app, &sign(&learner), &login.state, Some(&login.cookie)).await;
        let actor: Value =
            serde_json::from_str(&attribute(&page, "data-xapi-actor").replace("&quot;", "\""))
                .unwrap();
        players.push((
            attribute(&page, "data-xapi-auth").to_owned(),
            actor,
            attribute(&page, "data-xapi-registration").to_owned(),
        ));
    }
    let xapi = |method: reqwest::Method, path: &str, auth: &str| {
        app.client
            .request(method, app.url(path))
            .header("authorization", auth)
            .header("x-experience-api-version", "2.0.0")
    };
    for (auth, actor, registration) in &players {
        let statement = json!({
            "actor": actor,
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
            "object": {"id": "https://hub.example.org/content/x"},
            "context": {"registration": registration},
        });
        let response = xapi(reqwest::Method::POST, "/xapi/statements", auth)
            .json(&statement)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let (auth, actor, registration) = &players[0];
    let mine: Value = xapi(reqwest::Method::GET, "/xapi/statements", auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actors: Vec<&Value> = mine["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["actor"]["account"]["name"])
        .collect();
    assert_eq!(actors, vec![&json!("u-1")], "{mine}");

    // Writing in another registration, or reading another learner's State, is refused.
    let elsewhere = json!({
        "actor": actor,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": "https://hub.example.org/content/x"},
        "context": {"registration": players[1].2},
    });
    let response = xapi(reqwest::Method::POST, "/xapi/statements", auth)
        .json(&elsewhere)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let other_agent = url::form_urlencoded::byte_serialize(players[1].1.to_string().as_bytes())
        .collect::<String>();
    let path = format!(
        "/xapi/activities/state?activityId=https%3A%2F%2Fhub.example.org%2Fx&stateId=s&agent={other_agent}&registration={}",
        players[1].2
    );
    let response = xapi(reqwest::Method::GET, &path, auth)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let own_agent =
        url::form_urlencoded::byte_serialize(actor.to_string().as_bytes()).collect::<String>();
    let own = format!(
        "/xapi/activities/state?activityId=https%3A%2F%2Fhub.example.org%2Fx&stateId=s&agent={own_agent}&registration={registration}"
    );
    let response = xapi(reqwest::Method::GET, &own, auth).send().await.unwrap();
    assert_eq!(
        response.status(),
        404,
        "its own State is reachable (none stored yet)"
    );
}
