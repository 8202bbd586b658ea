//! The Graph client: attaches the token and `client-request-id`, sends, and
//! retries what may be retried inside the caller's deadline.

use crate::graph::error::{ClientError, GraphError};
use crate::graph::request::{GraphRequest, GraphResponse};
use crate::graph::retry::{is_throttle_status, retry_after_ms, Deadline, Retries, RetryPolicy};
use crate::graph::settings::GraphSettings;
use crate::graph::token::TokenProvider;
use crate::host::{Host, LogLevel};
use crate::http::{HttpRequest, HttpResponse, Transport};
use crate::secret::Secret;
use serde_json::Value;
use std::cell::Cell;

/// A Graph v1.0 client for one tenant and app, over the given ports.
pub struct GraphClient<'a, T: Transport, H: Host> {
    transport: &'a T,
    host: &'a H,
    settings: GraphSettings,
    tokens: TokenProvider,
    policy: RetryPolicy,
    /// Graph requests sent (token calls excluded), for round-trip accounting.
    sent: Cell<u32>,
    /// Answers read ahead for a later step of the same operation
    /// ([`crate::graph::read_ahead`]).
    pub(crate) read_ahead: crate::graph::read_ahead::ReadAhead,
    /// Changes wait for this gate when one is set
    /// ([`crate::graph::write_gate`]).
    write_gate: std::cell::RefCell<Option<std::rc::Rc<crate::graph::write_gate::WriteGate>>>,
}

/// What to do after a response that is not a success.
enum Next {
    Retry { wait_ms: u64 },
    Fail(ClientError),
}

impl<'a, T: Transport, H: Host> GraphClient<'a, T, H> {
    /// A client with the default [`RetryPolicy`]. No request is sent yet;
    /// the first call fetches a token (client-credentials flow) with
    /// `client_secret`.
    pub fn new(
        transport: &'a T,
        host: &'a H,
        settings: GraphSettings,
        client_secret: Secret,
    ) -> Self {
        GraphClient {
            transport,
            host,
            tokens: TokenProvider::new(settings.clone(), client_secret),
            settings,
            policy: RetryPolicy::default(),
            sent: Cell::new(0),
            read_ahead: Default::default(),
            write_gate: Default::default(),
        }
    }

    /// From now on, holds every request that changes something until
    /// `gate` is open; reads go at once ([`crate::graph::write_gate`]).
    pub fn hold_changes_until(&self, gate: std::rc::Rc<crate::graph::write_gate::WriteGate>) {
        *self.write_gate.borrow_mut() = Some(gate);
    }

    /// Replaces the retry policy (tests use short back-offs).
    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The host port (clock, logs, storage) the client runs on.
    pub fn host(&self) -> &H {
        self.host
    }

    /// Tenant, app and endpoints the client uses.
    pub fn settings(&self) -> &GraphSettings {
        &self.settings
    }

    /// The retry policy in force.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// Number of Graph HTTP requests sent so far (retries included).
    pub fn requests_sent(&self) -> u32 {
        self.sent.get()
    }

    /// `https://graph.microsoft.com/v1.0/directoryObjects/{id}`, the form
    /// `@odata.id` references take.
    pub fn directory_object_url(&self, id: &str) -> String {
        format!("{}/directoryObjects/{}", self.settings.graph_root(), id)
    }

    fn url_for(&self, path: &str) -> String {
        if path.starts_with("https://") || path.starts_with("http://") {
            // @odata.nextLink: opaque, followed verbatim.
            path.to_string()
        } else {
            format!("{}{}", self.settings.graph_root(), path)
        }
    }

    /// Sends one request, retrying throttling (429/503/504, honouring
    /// `Retry-After`), replication-delay 404s on just-created objects,
    /// transport failures of idempotent requests, and one 401 with a fresh
    /// token, until [`Retries`] gives up: then throttling is
    /// [`ClientError::Deferred`] and a connection that kept failing
    /// [`ClientError::Transport`]. Any other non-2xx is returned as
    /// [`ClientError::Graph`].
    pub async fn send(
        &self,
        request: &GraphRequest,
        deadline: Deadline,
    ) -> Result<GraphResponse, ClientError> {
        if let Some(answer) = self.read_ahead.take(request) {
            return Ok(answer);
        }
        self.read_ahead.forget_before(request);
        let gate = self.write_gate.borrow().clone();
        if let Some(gate) = gate {
            if crate::graph::write_gate::changes_something(request) {
                gate.opened().await;
            }
        }
        let started_ms = self.host.now_ms();
        let mut attempt = 0u32;
        let mut retries = Retries::new();
        // The connection failure behind the pending retry, if that is why.
        let mut dropped = None;
        let mut refreshed_token = false;
        loop {
            attempt += 1;
            let token = self
                .tokens
                .token(self.transport, self.host, &self.policy, deadline)
                .await?;
            let http = self.to_http(request, &token);
            self.sent.set(self.sent.get() + 1);
            let next = match crate::http::send(self.transport, http).await {
                Err(e) if request.idempotent => {
                    self.host.log(
                        LogLevel::Warn,
                        &format!("{} {}: {e}; retrying", request.method, request.path_only()),
                    );
                    dropped = Some(e);
                    Next::Retry {
                        wait_ms: self.policy.backoff_ms(attempt),
                    }
                }
                Err(e) => Next::Fail(ClientError::Transport(e)),
                Ok(resp) => {
                    dropped = None;
                    self.log_response(request, &resp);
                    if (200..300).contains(&resp.status) {
                        return Ok(to_graph_response(resp));
                    }
                    if resp.status == 401 && !refreshed_token {
                        // The cached token may have been revoked or expired early.
                        refreshed_token = true;
                        self.tokens.invalidate();
                        continue;
                    }
                    self.classify_failure(request, resp, attempt, started_ms)
                }
            };
            match next {
                Next::Fail(e) => return Err(e),
                Next::Retry { wait_ms } => {
                    let now = self.host.now_ms();
                    if !retries.may_wait(&self.policy, deadline, now, wait_ms) {
                        // A network that stays down is a failure, not throttling.
                        return Err(match dropped {
                            Some(e) => ClientError::Transport(e),
                            None => ClientError::Deferred {
                                retry_after_ms: wait_ms,
                            },
                        });
                    }
                    self.host.sleep_ms(wait_ms).await;
                }
            }
        }
    }

    fn classify_failure(
        &self,
        request: &GraphRequest,
        resp: HttpResponse,
        attempt: u32,
        started_ms: u64,
    ) -> Next {
        if is_throttle_status(resp.status) {
            let wait_ms = resp
                .header("Retry-After")
                .and_then(|v| retry_after_ms(v, self.host.now_ms()))
                .unwrap_or_else(|| self.policy.backoff_ms(attempt));
            return Next::Retry { wait_ms };
        }
        if resp.status == 404
            && request.retry_not_found
            && self.host.now_ms().saturating_sub(started_ms) < self.policy.replication_window_ms
        {
            return Next::Retry {
                wait_ms: self.policy.backoff_ms(attempt),
            };
        }
        let error = GraphError::from_parts(resp.status, &resp.body, |h| {
            resp.header(h).map(str::to_string)
        });
        Next::Fail(ClientError::Graph(Box::new(error)))
    }

    fn to_http(&self, request: &GraphRequest, token: &Secret) -> HttpRequest {
        let mut http = HttpRequest::new(request.method, self.url_for(&request.path))
            .header("Authorization", format!("Bearer {}", token.expose()))
            .header("client-request-id", crate::random::uuid_v4())
            .header("Accept", "application/json");
        for (name, value) in &request.headers {
            http = http.header(name, value.clone());
        }
        if let Some(body) = &request.body {
            http = http
                .header("Content-Type", "application/json")
                .body(body.to_string());
        }
        http
    }

    fn log_response(&self, request: &GraphRequest, resp: &HttpResponse) {
        let level = if resp.status < 400 {
            LogLevel::Debug
        } else {
            LogLevel::Warn
        };
        self.host.log(
            level,
            &format!(
                "graph {} {} -> {} (request-id {})",
                request.method,
                request.path_only(),
                resp.status,
                resp.header("request-id").unwrap_or("-")
            ),
        );
    }
}

fn to_graph_response(resp: HttpResponse) -> GraphResponse {
    let body = if resp.body.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&resp.body).unwrap_or(Value::String(resp.body.clone()))
    };
    GraphResponse {
        status: resp.status,
        request_id: resp.header("request-id").map(str::to_string),
        body,
    }
}
