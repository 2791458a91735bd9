//! Open Badges from certification: a certified learner gets a badge published as an OB 2.0 hosted assertion and an
//! OB 3.0 credential (Data Integrity proof and VC-JWT) with a status list entry, baked into PNG and SVG, listed on
//! their "my badges" page; an admin revokes one (410, revocation list, status bit) and re-issues one; key rotation
//! keeps old badges verifiable; voiding a proof revokes the badge with its certification. Independent verifiers
//! check the same documents in the peers tests.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use classcode_badges::{bake, di, multibase, status_list};
use serde_json::{Value, json};

use classcode_test_support::TestApp;
use classcode_test_support::lti::{app_with_platform, attribute, certify_learner, platform_tenant};

async fn badges(app: &TestApp) -> Vec<Value> {
    let response = app.admin_get("/api/admin/badges").await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn get(app: &TestApp, url: &str) -> reqwest::Response {
    app.client.get(url).send().await.unwrap()
}

async fn get_json(app: &TestApp, url: &str) -> (u16, Value) {
    let response = get(app, url).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// The raw public key the issuer document publishes for a verification method.
async fn published_key(app: &TestApp, verification_method: &str) -> Vec<u8> {
    let (status, issuer) = get_json(app, &app.url("/ob/v3/issuer")).await;
    assert_eq!(status, 200);
    assert!(
        issuer["assertionMethod"]
            .as_array()
            .unwrap()
            .contains(&json!(verification_method)),
        "{issuer}"
    );
    let (status, key) = get_json(app, verification_method).await;
    assert_eq!(status, 200, "the key has a URL of its own");
    assert_eq!(key["controller"], issuer["id"]);
    multibase::ed25519_from_multikey(key["publicKeyMultibase"].as_str().unwrap()).unwrap()
}

/// Whether a badge's credential is revoked according to its status list, as served.
async fn status_bit(app: &TestApp, credential: &Value) -> bool {
    let entry = &credential["credentialStatus"];
    let (status, list) = get_json(app, entry["statusListCredential"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(
        list["issuer"], credential["issuer"]["id"],
        "the same issuer"
    );
    let proof = di::proofs(&list)[0].clone();
    let key = published_key(app, proof["verificationMethod"].as_str().unwrap()).await;
    di::verify(&list, &proof, &key).expect("the status list is signed by the issuer");
    let bits =
        status_list::decode(list["credentialSubject"]["encodedList"].as_str().unwrap()).unwrap();
    assert!(bits.len() * 8 >= status_list::MIN_ENTRIES);
    let index: usize = entry["statusListIndex"].as_str().unwrap().parse().unwrap();
    status_list::is_set(&bits, index).unwrap()
}

#[tokio::test]
async fn a_certified_learner_gets_a_badge_in_both_versions_that_an_admin_can_revoke_and_reissue() {
    let app = app_with_platform().await;
    assert!(badges(&app).await.is_empty());
    let page = certify_learner(&app).await;
    let session = attribute(&page, "data-session-token").to_owned();

    let listed = badges(&app).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    let badge = listed[0].clone();
    assert_eq!(badge["standing"], "valid");
    assert_eq!(badge["content_id"], "fr.classcode.information");

    // OB 2.0: hosted assertion → badge class → issuer, the recipient hashed.
    let (status, assertion) = get_json(&app, badge["ob2_assertion"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(assertion["id"], badge["ob2_assertion"]);
    assert_eq!(assertion["verification"]["type"], "hosted");
    assert_eq!(assertion["recipient"]["hashed"], true);
    assert!(
        assertion["recipient"]["identity"]
            .as_str()
            .unwrap()
            .starts_with("sha256$")
    );
    let (status, class) = get_json(&app, assertion["badge"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(class["type"], "BadgeClass");
    let (status, issuer) = get_json(&app, class["issuer"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(issuer["type"], "Issuer");
    assert_eq!(issuer["name"], "Class'Code");
    let image = get(&app, class["image"].as_str().unwrap()).await;
    assert_eq!(image.headers()["content-type"], "image/png");

    // OB 3.0: the Data Integrity proof checks out against the key the issuer publishes; a changed copy does not.
    let (status, credential) = get_json(&app, badge["ob3_credential"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(
        credential["@context"][0],
        "https://www.w3.org/ns/credentials/v2"
    );
    assert_eq!(
        credential["type"],
        json!(["VerifiableCredential", "OpenBadgeCredential"])
    );
    let evidence = credential["evidence"].as_array().unwrap();
    assert!(
        !evidence.is_empty()
            && evidence.iter().all(|item| item["id"]
                .as_str()
                .unwrap()
                .starts_with(badge["verify_url"].as_str().unwrap()))
    );
    let proof = di::proofs(&credential)[0].clone();
    let key = published_key(&app, proof["verificationMethod"].as_str().unwrap()).await;
    di::verify(&credential, &proof, &key).expect("the proof holds");
    let mut tampered = credential.clone();
    tampered["credentialSubject"]["achievement"]["name"] = json!("Un autre badge");
    assert!(di::verify(&tampered, &proof, &key).is_err());
    assert!(!status_bit(&app, &credential).await);

    // The VC-JWT: EdDSA, kid naming the same key, the credential as payload with iss, jti and nbf.
    let jwt = get(
        &app,
        &format!("{}.jwt", badge["ob3_credential"].as_str().unwrap()),
    )
    .await
    .text()
    .await
    .unwrap();
    let header = jsonwebtoken::decode_header(&jwt).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::EdDSA);
    assert_eq!(header.kid.as_deref(), proof["verificationMethod"].as_str());
    let jwk_x = URL_SAFE_NO_PAD.encode(&key);
    let decoding = jsonwebtoken::DecodingKey::from_ed_components(&jwk_x).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.required_spec_claims = ["iss", "nbf"]
        .iter()
        .map(|claim| (*claim).to_owned())
        .collect();
    validation.validate_aud = false;
    let claims = jsonwebtoken::decode::<Value>(&jwt, &decoding, &validation)
        .unwrap()
        .claims;
    assert_eq!(claims["iss"], credential["issuer"]["id"]);
    assert_eq!(claims["jti"], credential["id"]);
    assert_eq!(claims["credentialSubject"], credential["credentialSubject"]);
    assert!(claims.get("proof").is_none());

    // Baked images carry the badge.
    let png = get(
        &app,
        &format!("{}.png", badge["ob3_credential"].as_str().unwrap()),
    )
    .await
    .bytes()
    .await
    .unwrap();
    let baked: Value =
        serde_json::from_str(&bake::unbake_png(&png, bake::KEYWORD_OB3).unwrap().unwrap()).unwrap();
    assert_eq!(baked, credential);
    let png2 = get(
        &app,
        &format!("{}.png", badge["ob2_assertion"].as_str().unwrap()),
    )
    .await
    .bytes()
    .await
    .unwrap();
    let baked2: Value =
        serde_json::from_str(&bake::unbake_png(&png2, bake::KEYWORD_OB2).unwrap().unwrap())
            .unwrap();
    assert_eq!(baked2, assertion);
    let svg = get(
        &app,
        &format!("{}.svg", badge["ob2_assertion"].as_str().unwrap()),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(svg.contains(&format!(
        "verify=\"{}\"",
        badge["ob2_assertion"].as_str().unwrap()
    )));

    // The learner sees it on "my badges", with its share link; the public page says valid.
    let mine = app
        .client
        .post(app.url("/player/badges"))
        .form(&[("session", session.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(mine.status(), 200);
    let mine = mine.text().await.unwrap();
    assert!(
        mine.contains(&format!(
            "data-badge-id=\"{}\"",
            badge["id"].as_str().unwrap()
        )),
        "{mine}"
    );
    assert!(mine.contains(badge["verify_url"].as_str().unwrap()));
    let forged = app
        .client
        .post(app.url("/player/badges"))
        .form(&[("session", "not-a-session")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    let verify = get(&app, badge["verify_url"].as_str().unwrap())
        .await
        .text()
        .await
        .unwrap();
    assert!(
        verify.contains("data-standing=\"valid\"") && verify.contains("data-proof=\"valid\""),
        "{verify}"
    );

    // Revoking needs a reason, then flips the status bit, answers 410 and fills the revocation list.
    let id = badge["id"].as_str().unwrap();
    let no_reason = app
        .admin_post(
            &format!("/api/admin/badges/{id}/revoke"),
            &json!({"reason": " "}),
        )
        .await;
    assert_eq!(no_reason.status(), 400);
    assert_eq!(
        no_reason.json::<Value>().await.unwrap()["error"],
        "invalid_reason"
    );
    let revoked = app
        .admin_post(
            &format!("/api/admin/badges/{id}/revoke"),
            &json!({"reason": "délivré par erreur"}),
        )
        .await;
    assert_eq!(revoked.status(), 200);
    assert_eq!(
        revoked.json::<Value>().await.unwrap()["standing"],
        "revoked"
    );
    let again = app
        .admin_post(
            &format!("/api/admin/badges/{id}/revoke"),
            &json!({"reason": "encore"}),
        )
        .await;
    assert_eq!(again.status(), 409);
    let (status, gone) = get_json(&app, badge["ob2_assertion"].as_str().unwrap()).await;
    assert_eq!(status, 410);
    assert_eq!(gone["revoked"], true);
    assert_eq!(gone["revocationReason"], "délivré par erreur");
    let (_, revocations) = get_json(&app, issuer["revocationList"].as_str().unwrap()).await;
    assert_eq!(
        revocations["revokedAssertions"][0]["id"],
        badge["ob2_assertion"]
    );
    assert!(status_bit(&app, &credential).await, "the status bit is set");
    let verify = get(&app, badge["verify_url"].as_str().unwrap())
        .await
        .text()
        .await
        .unwrap();
    assert!(verify.contains("data-standing=\"revoked\"") && verify.contains("délivré par erreur"));

    // Key rotation: the old badge still verifies with its (retired, still published) key; a re-issued badge
    // is signed with the new key and gets a new status entry.
    let rotated = app
        .admin_post("/api/admin/badges/keys/rotate", &json!({}))
        .await;
    assert_eq!(rotated.status(), 201);
    let new_kid = rotated.json::<Value>().await.unwrap()["kid"]
        .as_str()
        .unwrap()
        .to_owned();
    let old_key = published_key(&app, proof["verificationMethod"].as_str().unwrap()).await;
    di::verify(&credential, &proof, &old_key).expect("an old badge verifies after rotation");
    let reissued = app
        .admin_post(&format!("/api/admin/badges/{id}/reissue"), &json!({}))
        .await;
    assert_eq!(reissued.status(), 201);
    let reissued: Value = reissued.json().await.unwrap();
    assert_eq!(reissued["standing"], "valid");
    assert_eq!(reissued["kid"], new_kid.as_str());
    assert_ne!(reissued["id"], badge["id"]);
    let (_, fresh) = get_json(&app, reissued["ob3_credential"].as_str().unwrap()).await;
    let fresh_proof = di::proofs(&fresh)[0].clone();
    assert!(
        fresh_proof["verificationMethod"]
            .as_str()
            .unwrap()
            .ends_with(&new_kid)
    );
    let fresh_key = published_key(&app, fresh_proof["verificationMethod"].as_str().unwrap()).await;
    di::verify(&fresh, &fresh_proof, &fresh_key).expect("the re-issued badge verifies");
    assert!(!status_bit(&app, &fresh).await);
    let unknown = app
        .admin_post(
            "/api/admin/badges/not-a-uuid/revoke",
            &json!({"reason": "x"}),
        )
        .await;
    assert_eq!(unknown.status(), 400);

    // Voiding a proving statement revokes the certification, and its badge with it.
    let reader = app.lrs_client(&platform_tenant(&app).await, &["all"]).await;
    let passed = reader
        .get_json("/statements?verb=http://adlnet.gov/expapi/verbs/passed")
        .await;
    reader
        .store(&json!({
            "actor": {"objectType": "Agent", "mbox": "mailto:admin@classcode.example"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
            "object": {"objectType": "StatementRef", "id": passed["statements"][0]["id"]},
        }))
        .await;
    let after = badges(&app).await;
    let current = after
        .iter()
        .find(|listed| listed["id"] == reissued["id"])
        .unwrap();
    assert_eq!(current["standing"], "revoked", "{after:?}");
    assert!(
        current["revoked_reason"]
            .as_str()
            .unwrap()
            .contains("no longer holds")
    );
    assert!(status_bit(&app, &fresh).await);
}

#[tokio::test]
async fn badge_documents_of_unknown_ids_are_404_with_a_json_body() {
    let app = classcode_test_support::spawn_app().await;
    for path in [
        "/ob/v2/assertions/00000000-0000-0000-0000-000000000000",
        "/ob/v3/credentials/not-a-badge",
        "/ob/v3/status/9",
        "/ob/v2/badges/fr.classcode.nothing",
        "/ob/v3/issuer/keys/nokey",
    ] {
        let response = get(&app, &app.url(path)).await;
        assert_eq!(response.status(), 404, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "not_found", "{path}");
    }
    // The issuer publishes a key before the first badge, so verifiers can fetch it at once.
    let (status, issuer) = get_json(&app, &app.url("/ob/v3/issuer")).await;
    assert_eq!(status, 200);
    assert_eq!(issuer["verificationMethod"].as_array().unwrap().len(), 1);
}
