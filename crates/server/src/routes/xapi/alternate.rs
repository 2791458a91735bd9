//! xAPI 1.0.3's alternate request syntax (Communication §1.3): a POST whose `method` parameter names the real
//! method and whose form body carries the headers, the parameters and the content. xAPI 2.0 removed it.

use actix_web::http::Method;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::web;
use classcode_xapi::XapiVersion;

use super::XapiRequest;
use crate::error::ApiError;

/// Form fields that stand for headers.
const HEADER_FIELDS: [&str; 6] = [
    "Authorization",
    "X-Experience-API-Version",
    "Content-Type",
    "Content-Length",
    "If-Match",
    "If-None-Match",
];

/// Turns an alternate-syntax request into the request it stands for, or refuses it.
pub fn unfold(
    mut request: XapiRequest,
    version_out: &mut Option<XapiVersion>,
) -> Result<XapiRequest, ApiError> {
    let header_version = request
        .header("x-experience-api-version")
        .and_then(|value| XapiVersion::parse(value).ok());
    *version_out = header_version;
    let refuse = |message: &str| ApiError::bad_request("alternate_syntax", message.to_owned());
    if header_version == Some(XapiVersion::V2_0) {
        return Err(refuse(
            "xAPI 2.0 has no alternate request syntax: send the real method and headers",
        ));
    }
    if request.method != Method::POST {
        return Err(refuse(
            "the alternate request syntax is a POST with a method parameter",
        ));
    }
    if request.params.len() != 1 {
        return Err(refuse(
            "with the alternate request syntax, every parameter goes in the form body",
        ));
    }
    let method = match request.param("method").unwrap_or_default() {
        "GET" => Method::GET,
        "PUT" => Method::PUT,
        "POST" => Method::POST,
        "DELETE" => Method::DELETE,
        "HEAD" => Method::HEAD,
        other => {
            return Err(refuse(&format!(
                "method {other:?} is not an HTTP method the LRS knows"
            )));
        }
    };
    let is_form = request.header("content-type").is_some_and(|value| {
        value
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    });
    if !is_form {
        return Err(refuse(
            "the alternate request syntax sends application/x-www-form-urlencoded",
        ));
    }
    let mut params = Vec::new();
    let mut content: Option<String> = None;
    for (name, value) in url::form_urlencoded::parse(&request.body) {
        if let Some(header_name) = HEADER_FIELDS
            .iter()
            .find(|field| field.eq_ignore_ascii_case(&name))
        {
            let header_name = HeaderName::from_bytes(header_name.to_ascii_lowercase().as_bytes())
                .map_err(|_| refuse("a header field of the form is malformed"))?;
            let header_value = HeaderValue::from_str(&value)
                .map_err(|_| refuse("a header field of the form is malformed"))?;
            request.headers.insert(header_name, header_value);
        } else if name == "content" {
            content = Some(value.into_owned());
        } else {
            params.push((name.into_owned(), value.into_owned()));
        }
    }
    if matches!(method, Method::PUT | Method::POST) && content.is_none() {
        return Err(refuse("the form has no content field"));
    }
    if let Some(version) = request.header("x-experience-api-version") {
        let version = XapiVersion::parse(version).map_err(|err| refuse(&err.to_string()))?;
        *version_out = Some(version);
        if version == XapiVersion::V2_0 {
            return Err(refuse("xAPI 2.0 has no alternate request syntax"));
        }
    }
    // The content of the form is the request body; unless the form names its type, it is JSON.
    let still_form = request.header("content-type").is_none_or(|value| {
        value
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    });
    if still_form {
        request.headers.insert(
            HeaderName::from_static("content-type"),
            HeaderValue::from_static("application/json"),
        );
    }
    Ok(XapiRequest {
        method,
        resource: request.resource,
        params,
        headers: request.headers,
        body: web::Bytes::from(content.unwrap_or_default()),
    })
}
