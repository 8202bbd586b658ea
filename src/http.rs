//! Plain HTTP request/response values and the outbound [`Transport`] port.
//!
//! The core never talks to a socket itself: on wasm the transport is the
//! runtime's `fetch` (gloo-net), in native tests it is the in-process emulator.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

/// HTTP methods the core sends or accepts. A closed set, so a typo cannot
/// produce a request Graph would reject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`: reads (Graph queries, Jira and JSM reads).
    Get,
    /// `POST`: creates and actions (Graph `$batch`, `revokeSignInSessions`,
    /// member `$ref`, Jira comments).
    Post,
    /// `PUT`: replaces (Graph `manager/$ref`, Jira issue edits).
    Put,
    /// `PATCH`: partial updates (Graph user properties).
    Patch,
    /// `DELETE`: removes (Graph member `$ref`).
    Delete,
}

impl Method {
    /// The upper-case wire name, e.g. `"PATCH"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Parses a method name case-insensitively; `None` for anything else.
    pub fn parse(name: &str) -> Option<Method> {
        match name.to_ascii_uppercase().as_str() {
            "GET" => Some(Method::Get),
            "POST" => Some(Method::Post),
            "PUT" => Some(Method::Put),
            "PATCH" => Some(Method::Patch),
            "DELETE" => Some(Method::Delete),
            _ => None,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An outbound request. `url` is absolute and already encoded.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    /// The HTTP method.
    pub method: Method,
    /// Absolute URL, query string included and percent-encoded
    /// (e.g. `https://graph.microsoft.com/v1.0/users/{id}?$select=id`).
    pub url: String,
    /// Header name/value pairs in sending order; a name may repeat.
    pub headers: Vec<(String, String)>,
    /// The body as text (JSON or form-encoded); `None` sends no body.
    pub body: Option<String>,
}

impl HttpRequest {
    /// A request with no headers and no body.
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        HttpRequest {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// Appends a header (an existing header of that name is kept, not
    /// replaced).
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// Sets the body, replacing any earlier one. Set `Content-Type` with
    /// [`HttpRequest::header`]; nothing is added automatically.
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }
}

/// A response as received. Header names are compared case-insensitively.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    /// HTTP status code, e.g. `200`, `429`.
    pub status: u16,
    /// Header name/value pairs as received (names in whatever case the
    /// transport delivers; `fetch` lower-cases them).
    pub headers: Vec<(String, String)>,
    /// The body as text; empty when there was none (e.g. Graph's `204`).
    pub body: String,
}

impl HttpResponse {
    /// First value of a header, matched case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why a request produced no HTTP response at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// The connection failed or was dropped before a response arrived.
    Network {
        /// The request URL (never holds a secret: credentials travel in
        /// headers and bodies).
        url: String,
        /// The transport's own description of the failure.
        reason: String,
    },
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::Network { url, reason } => {
                write!(f, "network error calling {url}: {reason}")
            }
        }
    }
}

impl std::error::Error for TransportError {}

/// Outbound HTTP. Implemented over `fetch` on wasm and over the in-process
/// emulator in native tests.
// The core runs single-threaded (wasm, and current-thread runtimes in tests),
// so the futures need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait Transport {
    /// Sends one request and returns whatever response arrives, whatever
    /// its status: a `4xx`/`5xx` is an `Ok`, only a missing response is an
    /// `Err`. No retries or timeouts here; the Graph client owns those.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;
}

/// A request answered later by whoever gathered it (see [`Gather`]).
pub type Gathered = Pin<Box<dyn Future<Output = Result<HttpResponse, TransportError>>>>;

/// Something that sends requests of tasks running side by side together
/// (the bulk job's `$batch` envelopes, `jobs::batch`). It is consulted only
/// while it polls its own tasks ([`with_gather`]), so a request of any other
/// task goes out directly.
pub trait Gather {
    /// Takes `request` to answer it later, or hands it back to be sent
    /// directly (e.g. a request that cannot share an envelope).
    fn take(&self, request: HttpRequest) -> Result<Gathered, HttpRequest>;
}

thread_local! {
    // The core is single-threaded: this is "the task being polled now".
    static GATHER: RefCell<Option<Rc<dyn Gather>>> = const { RefCell::new(None) };
}

/// Runs `poll` (one poll of a task) with `gather` taking the requests the
/// task sends through [`send`] meanwhile.
pub fn with_gather<R>(gather: &Rc<dyn Gather>, poll: impl FnOnce() -> R) -> R {
    let previous = GATHER.with(|g| g.replace(Some(gather.clone())));
    let result = poll();
    GATHER.with(|g| *g.borrow_mut() = previous);
    result
}

/// Sends `request` through `transport`, unless the task being polled runs
/// under a [`Gather`] that takes it. One code path for both, so the core
/// is not compiled twice for a second transport type.
pub async fn send(
    transport: &impl Transport,
    request: HttpRequest,
) -> Result<HttpResponse, TransportError> {
    let gather = GATHER.with(|g| g.borrow().clone());
    let request = match gather {
        Some(gather) => match gather.take(request) {
            Ok(answer) => return answer.await,
            Err(request) => request,
        },
        None => request,
    };
    transport.send(request).await
}
