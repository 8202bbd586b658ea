//! Top-level request processing: token endpoint, Graph (with auth, faults and the
//! request log), `$batch`, and the control endpoints.

use http::{HeaderMap, Method, StatusCode};
use serde_json::Value;

use crate::clock;
use crate::control;
use crate::errors::GraphError;
use crate::faults::{AimedEffect, FaultState};
use crate::graph::{self, Call, Reply};
use crate::log::{loggable_body, LoggedRequest, RequestKind, RequestLog};
use crate::odata::QueryParams;
use crate::seed::Seed;
use crate::tenant::Tenant;
use crate::token::{self, Claims, TokenRejection};
use crate::{batch, clock::Clock};

/// Status and header of the in-process "connection dropped" marker.
pub const DROPPED_STATUS: u16 = 599;
pub const DROPPED_HEADER: &str = "x-emulator-dropped";

const GRAPH_CONTENT_TYPE: &str =
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

pub(crate) struct State {
    pub seed: Seed,
    pub tenant: Tenant,
    pub log: RequestLog,
    pub faults: FaultState,
    pub clock: Clock,
    pub signing_key: Vec<u8>,
}

impl State {
    pub fn new(seed: Seed) -> State {
        let tenant = Tenant::from_seed(&seed);
        let faults = FaultState::new(seed.faults.clone());
        let mut key = uuid::Uuid::new_v4().as_bytes().to_vec();
        key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
        State {
            seed,
            tenant,
            log: RequestLog::default(),
            faults,
            clock: Clock::default(),
            signing_key: key,
        }
    }

    pub fn reset(&mut self) {
        self.tenant = Tenant::from_seed(&self.seed);
        self.faults = FaultState::new(self.seed.faults.clone());
        self.log = RequestLog::default();
    }
}

/// Per-request identifiers shared by the response headers, error bodies and the log.
pub(crate) struct Ids {
    pub request_id: String,
    pub client_request_id: Option<String>,
}

impl Ids {
    fn new(headers: &HeaderMap) -> Ids {
        Ids {
            request_id: uuid::Uuid::new_v4().to_string(),
            client_request_id: header(headers, "client-request-id").map(str::to_string),
        }
    }

    /// Graph echoes the caller's id, or uses its own request id when none was sent.
    pub fn client_id(&self) -> &str {
        self.client_request_id
            .as_deref()
            .unwrap_or(&self.request_id)
    }
}

pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

pub(crate) fn error_reply(error: &GraphError, now_ms: u64, ids: &Ids) -> Reply {
    let mut headers = Vec::new();
    if let Some(retry_after) = error.retry_after() {
        headers.push(("Retry-After".to_string(), retry_after.to_string()));
    }
    if let Some(location) = error.location() {
        headers.push(("Location".to_string(), location.to_string()));
    }
    Reply {
        status: error.status(),
        headers,
        body: Some(error.envelope(
            &clock::inner_error_date(now_ms),
            &ids.request_id,
            ids.client_id(),
        )),
    }
}

/// What the transport should do with a request.
pub(crate) enum Outcome {
    Respond(http::Response<Vec<u8>>),
    /// Close the connection without answering (fault injection).
    Drop,
}

fn response(
    status: u16,
    content_type: &str,
    body: Option<&Value>,
    extra: &[(String, String)],
    ids: Option<&Ids>,
) -> http::Response<Vec<u8>> {
    let mut builder = http::Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    if body.is_some() {
        builder = builder.header("content-type", content_type);
    }
    if let Some(ids) = ids {
        builder = builder
            .header("request-id", ids.request_id.as_str())
            .header("client-request-id", ids.client_id());
    }
    for (k, v) in extra {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let bytes = body
        .map(|b| serde_json::to_vec(b).unwrap_or_default())
        .unwrap_or_default();
    builder.body(bytes).unwrap_or_else(|_| {
        let mut r = http::Response::new(Vec::new());
        *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        r
    })
}

pub(crate) fn dropped_response() -> http::Response<Vec<u8>> {
    let mut r = http::Response::new(Vec::new());
    *r.status_mut() =
        StatusCode::from_u16(DROPPED_STATUS).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut()
        .insert(DROPPED_HEADER, http::HeaderValue::from_static("1"));
    r
}

/// The base URL for `@odata.nextLink`: the caller's Host, scheme http.
fn base_url(headers: &HeaderMap, uri: &http::Uri) -> String {
    let host = header(headers, "host")
        .map(str::to_string)
        .or_else(|| uri.authority().map(|a| a.to_string()))
        .unwrap_or_else(|| "localhost".into());
    format!("http://{host}/v1.0")
}

pub(crate) fn process(state: &mut State, request: http::Request<Vec<u8>>) -> Outcome {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    if let Some(rest) = path.strip_prefix("/_emulator/") {
        let (status, value) = control::handle(state, &parts.method, rest, &body);
        return Outcome::Respond(response(
            status,
            "application/json",
            Some(&value),
            &[],
            None,
        ));
    }
    let ids = Ids::new(&parts.headers);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if let [tenant, "oauth2", "v2.0", "token"] = segments.as_slice() {
        let tenant = percent_encoding::percent_decode_str(tenant)
            .decode_utf8_lossy()
            .into_owned();
        return token_request(state, &parts, &tenant, &body, &ids);
    }
    if path == "/v1.0" || path.starts_with("/v1.0/") {
        return graph_request(state, &parts, &path, &body, &ids);
    }
    let now = state.clock.now_ms();
    let reply = error_reply(
        &GraphError::UnknownSegment(segments.first().unwrap_or(&"").to_string()),
        now,
        &ids,
    );
    Outcome::Respond(response(
        reply.status,
        GRAPH_CONTENT_TYPE,
        reply.body.as_ref(),
        &reply.headers,
        Some(&ids),
    ))
}

fn token_request(
    state: &mut State,
    parts: &http::request::Parts,
    tenant_segment: &str,
    body: &[u8],
    ids: &Ids,
) -> Outcome {
    let seq = state.log.reserve_seq();
    let now_ms = state.clock.now_ms();
    let mut entry = LoggedRequest {
        seq,
        kind: RequestKind::Token,
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        body: loggable_body(body, true),
        status: DROPPED_STATUS,
        batch_parent_seq: None,
        timestamp: clock::iso(now_ms),
        client_request_id: ids.client_request_id.clone(),
        request_id: ids.request_id.clone(),
    };
    if state.faults.take_drop() {
        state.log.push(entry);
        return Outcome::Drop;
    }
    let (status, value) = if parts.method != Method::POST {
        (
            405,
            serde_json::json!({"error": "invalid_request", "error_description": "AADSTS900561: The endpoint only accepts POST requests."}),
        )
    } else {
        let form: Vec<(String, String)> = form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let basic = token::basic_credentials(header(&parts.headers, "authorization"));
        let lifetime = state
            .faults
            .faults
            .token_lifetime_seconds
            .unwrap_or(state.tenant.token_lifetime_seconds);
        match token::issue_claims(
            &state.tenant,
            tenant_segment,
            &form,
            basic,
            now_ms / 1000,
            lifetime,
        ) {
            Ok(claims) => (
                200,
                serde_json::json!({
                    "token_type": "Bearer",
                    "expires_in": lifetime,
                    "ext_expires_in": lifetime,
                    "access_token": token::sign(&state.signing_key, &claims),
                }),
            ),
            Err(e) => (
                e.status(),
                e.body(
                    &state.tenant.display_name,
                    now_ms,
                    &ids.request_id,
                    ids.client_id(),
                ),
            ),
        }
    };
    entry.status = status;
    state.log.push(entry);
    Outcome::Respond(response(
        status,
        "application/json; charset=utf-8",
        Some(&value),
        &[],
        Some(ids),
    ))
}

/// Moves the emulator's clock to the `exp` of the bearer token in
/// `headers`, so that token has just expired (an aimed token expiry).
fn expire_bearer(state: &mut State, headers: &HeaderMap) {
    if let Ok(claims) = authenticate(state, headers) {
        let expiry_ms = claims.exp.saturating_mul(1000);
        let now_ms = state.clock.now_ms();
        state.clock.advance(expiry_ms.saturating_sub(now_ms));
    }
}

fn authenticate(state: &State, headers: &HeaderMap) -> Result<Claims, GraphError> {
    let bearer = header(headers, "authorization")
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .ok_or(GraphError::InvalidToken)?;
    token::verify(
        &state.signing_key,
        bearer.trim(),
        &state.tenant.id,
        state.clock.now_secs(),
    )
    .map_err(|r| match r {
        TokenRejection::Expired => GraphError::ExpiredToken,
        TokenRejection::Malformed => GraphError::InvalidToken,
    })
}

fn graph_request(
    state: &mut State,
    parts: &http::request::Parts,
    path: &str,
    body: &[u8],
    ids: &Ids,
) -> Outcome {
    let seq = state.log.reserve_seq();
    let now_ms = state.clock.now_ms();
    let mut entry = LoggedRequest {
        seq,
        kind: RequestKind::Graph,
        method: parts.method.to_string(),
        path: path.to_string(),
        query: parts.uri.query().map(str::to_string),
        body: loggable_body(body, false),
        status: DROPPED_STATUS,
        batch_parent_seq: None,
        timestamp: clock::iso(now_ms),
        client_request_id: ids.client_request_id.clone(),
        request_id: ids.request_id.clone(),
    };
    if state.faults.take_drop() {
        state.log.push(entry);
        return Outcome::Drop;
    }
    let aimed = state.faults.take_aimed_http(parts.method.as_str(), path);
    match aimed {
        Some(AimedEffect::DropBefore) => {
            state.log.push(entry);
            return Outcome::Drop;
        }
        Some(AimedEffect::ExpireToken) => expire_bearer(state, &parts.headers),
        _ => {}
    }
    let reply = match authenticate(state, &parts.headers) {
        Err(e) => error_reply(&e, now_ms, ids),
        Ok(claims) => {
            let after_version = &path["/v1.0".len()..];
            let segments = graph::segments_of(after_version);
            if segments.len() == 1 && segments[0] == "$batch" {
                if parts.method == Method::POST {
                    batch::run(state, &claims, body, &parts.headers, &parts.uri, seq, ids)
                } else {
                    error_reply(&GraphError::MethodNotAllowed, now_ms, ids)
                }
            } else {
                let call = Call {
                    method: parts.method.clone(),
                    segments,
                    path: path.to_string(),
                    params: QueryParams::parse(parts.uri.query()),
                    body,
                    eventual: is_eventual(&parts.headers),
                    base_url: base_url(&parts.headers, &parts.uri),
                    claims: &claims,
                    now_ms,
                    replication_delay_ms: state.faults.faults.replication_delay_ms,
                    max_page_size: max_page_size(&parts.headers),
                };
                execute(state, &call, ids)
            }
        }
    };
    if aimed == Some(AimedEffect::DropAfter) {
        // Carried out, but the caller never hears of it.
        state.log.push(entry);
        return Outcome::Drop;
    }
    entry.status = reply.status;
    state.log.push(entry);
    Outcome::Respond(response(
        reply.status,
        GRAPH_CONTENT_TYPE,
        reply.body.as_ref(),
        &reply.headers,
        Some(ids),
    ))
}

/// `odata.maxpagesize=N` from the `Prefer` header(s).
pub(crate) fn max_page_size(headers: &HeaderMap) -> Option<usize> {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| {
            let (name, value) = p.split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("odata.maxpagesize")
                .then(|| value.trim().trim_matches('"').parse().ok())
                .flatten()
        })
}

pub(crate) fn is_eventual(headers: &HeaderMap) -> bool {
    header(headers, "consistencylevel").is_some_and(|v| v.trim().eq_ignore_ascii_case("eventual"))
}

pub(crate) fn batch_base_url(headers: &HeaderMap, uri: &http::Uri) -> String {
    base_url(headers, uri)
}

/// Faults, then routing; errors become Graph envelopes.
pub(crate) fn execute(state: &mut State, call: &Call, ids: &Ids) -> Reply {
    if let Some(fault) = graph::injected_fault(&mut state.faults, call) {
        return error_reply(&fault, call.now_ms, ids);
    }
    match graph::route(&mut state.tenant, call) {
        Ok(reply) => {
            if call.method != Method::GET {
                // Dynamic groups follow the attributes their rules test,
                // and group-based licensing follows membership changes.
                state.tenant.apply_membership_rules();
                state.tenant.reconcile_group_licences(call.now_ms);
            }
            reply
        }
        Err(e) => error_reply(&e, call.now_ms, ids),
    }
}
