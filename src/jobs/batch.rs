//! Cross-hire batching: the items of a chunk run side by side, and the
//! Graph requests they send at the same moment travel together in one
//! `$batch` (at most [`MAX_BATCH`] requests), so a chunk of hires costs
//! about one round trip per hire instead of four.
//!
//! Each item still runs the whole pipeline on its own (parse, policy,
//! execute, audit, idempotency): batching happens below it, at the
//! transport. While [`Coalescer::run_together`] polls an item, the Graph
//! requests it sends ([`crate::http::send`]) are queued instead of sent
//! (the coalescer is the item's [`Gather`]); whenever the items are all
//! waiting, it packs the queue into `$batch` envelopes
//! and hands every item its own answer back: a single request gets its
//! `$batch` item's status, headers and body as an HTTP response, a
//! `$batch` of the item's own comes back as a `$batch` response holding
//! its items (ids restored). Graph answers each item of a `$batch` on its
//! own (<https://learn.microsoft.com/graph/json-batching>), so a throttled
//! item (429 with `Retry-After`) is retried by its own client alone, while
//! the other items carry on; a failed envelope is the answer of every
//! request in it.
//!
//! Requests that are not Graph v1.0 (the token endpoint) and bodies that
//! are not JSON go straight to the inner transport.

use crate::graph::batch::MAX_BATCH;
use crate::host::Host;
use crate::http::{
    with_gather, Gather, Gathered, HttpRequest, HttpResponse, Method, Transport, TransportError,
};
use serde_json::{json, Map, Value};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

/// Envelopes in flight at once: enough to keep the tenant's budget busy
/// while the answers of the previous ones travel back.
pub const MAX_FLIGHTS: usize = 4;

/// The window over which the tenant's budget is counted, as Entra does
/// (requests per second; refused ones count too:
/// <https://learn.microsoft.com/graph/throttling>).
const WINDOW_MS: u64 = 1_000;

/// After a refusal, how long the learnt budget is kept before probing
/// above it: each probe that finds no room costs refused requests, which
/// the tenant counts against the budget too.
const PROBE_AFTER_MS: u64 = 30_000;

/// When only envelopes in flight keep the next one waiting, how soon to
/// look again (their answers may free room any moment).
const IN_FLIGHT_RECHECK_MS: u64 = 20;

/// One envelope as the pacer counts it.
#[derive(Debug, Clone, Copy)]
struct Sent {
    /// When it left (host clock, ms).
    at_ms: u64,
    /// When its answer came back; `None` while in flight.
    answered_ms: Option<u64>,
    /// Requests in it.
    requests: usize,
    /// Of which the tenant refused (429).
    throttled: usize,
}

impl Sent {
    /// Whether the tenant may still count it at `now_ms`. The tenant
    /// counts a request from when it arrived, some time between leaving
    /// and the answer: it is counted until a window after the midpoint of
    /// the two. Counting it until a window after the answer kept a whole
    /// round trip of every window unused (81 % of the budget used);
    /// the jitter that the midpoint misjudges costs a 429 whose reading
    /// ([`Pacer::answered`]) still finds the budget.
    fn counts_at(&self, now_ms: u64) -> bool {
        self.answered_ms
            .is_none_or(|a| self.at_ms + (a - self.at_ms) / 2 + WINDOW_MS > now_ms)
    }
}

/// Learns the tenant's budget from its 429s and keeps the envelopes at
/// it: sending past the budget only earns more 429s (Graph counts refused
/// requests against it too), while sending at it keeps it fully used.
/// Until the first 429 (or a budget stored by an earlier delivery,
/// [`super::budget`]) nothing is held back. A 429 sets the budget to the
/// requests the tenant had counted in the second before the refused
/// envelope left (refused ones included, as the tenant counts them); a
/// later one lowers it only if that envelope left a whole window after
/// the budget was last set (earlier ones were refused for requests sent
/// before it, and teach nothing). [`PROBE_AFTER_MS`] after the last
/// refusal it is raised by a twentieth each second, probing for room, as
/// the budget is not published per tenant.
#[derive(Default)]
struct Pacer {
    /// Requests per [`WINDOW_MS`] to stay within, once learnt.
    limit: Cell<Option<usize>>,
    /// The envelopes the tenant may still count, and those of the window
    /// before (to learn from late answers), oldest first.
    window: RefCell<std::collections::VecDeque<Sent>>,
    /// When the limit was last set (learnt, lowered, raised or loaded).
    set_at_ms: Cell<u64>,
    /// When the tenant last refused a request.
    refused_at_ms: Cell<u64>,
}

impl Pacer {
    /// Starts at a budget an earlier delivery learnt.
    fn start_at(&self, budget: &super::budget::LearntBudget, now_ms: u64) {
        self.limit
            .set(Some((budget.requests_per_second as usize).max(1)));
        self.set_at_ms.set(now_ms);
        self.refused_at_ms.set(budget.refused_at_ms);
        let mut window = self.window.borrow_mut();
        for [answered, n] in &budget.recent {
            window.push_back(Sent {
                at_ms: *answered,
                answered_ms: Some(*answered),
                requests: *n as usize,
                throttled: 0,
            });
        }
    }

    /// The budget learnt so far and the envelopes the tenant may still
    /// count, to store for the next delivery.
    fn learnt(&self, now_ms: u64) -> Option<super::budget::LearntBudget> {
        let recent = self
            .window
            .borrow()
            .iter()
            .filter(|e| e.counts_at(now_ms))
            .map(|e| [e.answered_ms.unwrap_or(now_ms), e.requests as u64])
            .collect();
        Some(super::budget::LearntBudget {
            requests_per_second: u32::try_from(self.limit.get()?).unwrap_or(u32::MAX),
            refused_at_ms: self.refused_at_ms.get(),
            stored_at_ms: 0,
            recent,
        })
    }

    fn prune(&self, now_ms: u64) {
        self.window
            .borrow_mut()
            .retain(|e| e.answered_ms.is_none_or(|a| a + 2 * WINDOW_MS > now_ms));
    }

    /// `Ok` when `size` more requests fit the learnt budget now, else how
    /// long to wait.
    fn room(&self, now_ms: u64, size: usize) -> Result<(), u64> {
        self.prune(now_ms);
        let Some(mut limit) = self.limit.get() else {
            return Ok(());
        };
        if now_ms.saturating_sub(self.refused_at_ms.get()) >= PROBE_AFTER_MS
            && now_ms.saturating_sub(self.set_at_ms.get()) >= WINDOW_MS
        {
            limit += limit / 20 + 1;
            self.limit.set(Some(limit));
            self.set_at_ms.set(now_ms);
        }
        let window = self.window.borrow();
        let counted: Vec<&Sent> = window.iter().filter(|e| e.counts_at(now_ms)).collect();
        let sent: usize = counted.iter().map(|e| e.requests).sum();
        if sent == 0 || sent + size <= limit {
            return Ok(());
        }
        // Room once enough answered envelopes have aged out.
        let mut answered: Vec<(u64, usize)> = counted
            .iter()
            .filter_map(|e| Some((e.answered_ms?, e.requests)))
            .collect();
        answered.sort_unstable();
        let mut freed = 0;
        for (at, n) in answered {
            freed += n;
            if sent - freed + size <= limit {
                return Err((at + WINDOW_MS).saturating_sub(now_ms).max(1));
            }
        }
        // Only envelopes in flight stand in the way: look again soon.
        Err(IN_FLIGHT_RECHECK_MS)
    }

    fn sent(&self, now_ms: u64, size: usize) {
        self.window.borrow_mut().push_back(Sent {
            at_ms: now_ms,
            answered_ms: None,
            requests: size,
            throttled: 0,
        });
    }

    /// An envelope sent at `sent_at_ms` was answered: `throttled` of its
    /// requests were refused.
    fn answered(&self, sent_at_ms: u64, throttled: usize, now_ms: u64) {
        let mut window = self.window.borrow_mut();
        if let Some(entry) = window
            .iter_mut()
            .find(|e| e.at_ms == sent_at_ms && e.answered_ms.is_none())
        {
            entry.answered_ms = Some(now_ms);
            entry.throttled = throttled;
        }
        if throttled == 0 {
            return;
        }
        self.refused_at_ms.set(now_ms);
        if self.limit.get().is_some() && sent_at_ms < self.set_at_ms.get() + WINDOW_MS {
            return;
        }
        // What the tenant had counted when it refused: every request of
        // the window before this envelope left, refused ones too (the
        // tenant counts them: see the emulator's budget fault), plus the
        // part of this envelope it still served; envelopes in flight are
        // counted whole. Counting only what was served would under-read
        // the budget by every refusal still in the window, and pace the
        // rest of the job below it.
        let in_window: usize = window
            .iter()
            .filter(|e| e.at_ms <= sent_at_ms && e.at_ms + WINDOW_MS > sent_at_ms)
            .map(|e| e.requests)
            .sum();
        let counted = in_window.saturating_sub(throttled);
        if counted == 0 {
            // Refused before anything of ours in the window was served:
            // the tenant's window is full of requests this pacer never
            // saw (an earlier delivery's), so the reading says nothing
            // about the budget; Retry-After paces the retry.
            return;
        }
        self.limit.set(Some(counted));
        self.set_at_ms.set(now_ms);
    }
}

/// The path segment every Graph v1.0 URL has; what precedes it is the root.
const VERSION: &str = "/v1.0";

/// Headers the envelope carries for all its items.
const ENVELOPE_HEADERS: &[&str] = &["authorization", "client-request-id", "accept"];

/// A request waiting for an envelope.
struct Queued {
    ticket: u64,
    /// `https://graph.microsoft.com` (or the emulator's root): only
    /// requests to the same root and with the same token share an envelope.
    root: String,
    authorization: String,
    /// The `$batch` entries this request stands for (one for a single
    /// request; the caller's own entries for a `$batch`).
    entries: Vec<Value>,
    /// The caller sent a `$batch` itself and gets a `$batch` response.
    is_batch: bool,
    /// Answers already in hand for its other entries (ids prefixed), when
    /// `entries` are adds a refused PATCH handed back ([`super::bind`]).
    answered: Vec<Value>,
    /// Whether its group adds may be folded into a PATCH: not when they
    /// are being sent again after a refused one.
    foldable: bool,
}

impl Queued {
    /// Whether any of its entries waits for another (`dependsOn`): such a
    /// `$batch` is fully sequential and cannot share an envelope.
    fn is_sequential(&self) -> bool {
        self.entries.iter().any(|e| {
            e.get("dependsOn")
                .and_then(Value::as_array)
                .is_some_and(|d| !d.is_empty())
        })
    }
}

/// Gathers the Graph requests of items running side by side into shared
/// `$batch` envelopes, sent by [`Coalescer::run_together`].
#[derive(Default)]
pub struct Coalescer {
    state: Rc<State>,
}

#[derive(Default)]
struct State {
    queue: RefCell<Vec<Queued>>,
    answers: RefCell<HashMap<u64, Result<HttpResponse, TransportError>>>,
    next_ticket: Cell<u64>,
    /// Requests taken and not answered yet.
    waiting: Cell<usize>,
    /// Envelopes sent.
    envelopes: Cell<u32>,
    pacer: Pacer,
}

/// The coalescer as its items' [`Gather`]: owns a share of the state, since
/// each answer future outlives the call that took the request.
struct Taker(Rc<State>);

impl Gather for Taker {
    fn take(&self, request: HttpRequest) -> Result<Gathered, HttpRequest> {
        let state = self.0.clone();
        let ticket = state.next_ticket.get();
        let Some(queued) = queueable(&request, ticket) else {
            return Err(request);
        };
        state.next_ticket.set(ticket + 1);
        state.queue.borrow_mut().push(queued);
        state.waiting.set(state.waiting.get() + 1);
        Ok(Box::pin(async move {
            let answer =
                std::future::poll_fn(|_| match state.answers.borrow_mut().remove(&ticket) {
                    Some(answer) => Poll::Ready(answer),
                    None => Poll::Pending,
                })
                .await;
            state.waiting.set(state.waiting.get() - 1);
            answer
        }))
    }
}

impl Coalescer {
    /// A coalescer with nothing queued.
    pub fn new() -> Self {
        Coalescer::default()
    }

    /// `$batch` envelopes sent so far: the items' Graph round trips (a
    /// request sent alone and token requests not counted).
    pub fn round_trips(&self) -> u32 {
        self.state.envelopes.get()
    }

    /// A coalescer that sends at `budget` (learnt by an earlier delivery)
    /// from its first envelope; `now_ms` is the host's clock.
    pub fn starting_at(budget: &super::budget::LearntBudget, now_ms: u64) -> Self {
        let coalescer = Coalescer::default();
        coalescer.state.pacer.start_at(budget, now_ms);
        coalescer
    }

    /// The tenant's budget as learnt so far (from 429s, or as it started)
    /// with the envelopes of the second before `now_ms`; `None` while
    /// nothing was refused.
    pub fn learnt_budget(&self, now_ms: u64) -> Option<super::budget::LearntBudget> {
        self.state.pacer.learnt(now_ms)
    }
}

impl State {
    fn queued_entries(&self) -> usize {
        self.queue.borrow().iter().map(|q| q.entries.len()).sum()
    }

    /// Takes the next envelope's worth of requests: the oldest request and
    /// every later one with the same root and token that still fits.
    fn take_envelope(&self) -> Vec<Queued> {
        let mut queue = self.queue.borrow_mut();
        if queue.is_empty() {
            return Vec::new();
        }
        let first = queue.remove(0);
        // Graph runs a `$batch` fully parallel or fully sequential and
        // refuses a mix ("Batch should be either fully sequential or fully
        // parallel": <https://learn.microsoft.com/en-us/answers/questions/1532547/regarding-batching-response-order>).
        // A caller's `$batch` with dependencies is already fully
        // sequential (`graph::batch`), so it travels alone, as sent.
        if first.is_sequential() {
            return vec![first];
        }
        let mut taken = vec![first];
        let mut index = 0;
        while index < queue.len() {
            let q = &queue[index];
            if !q.is_sequential()
                && q.root == taken[0].root
                && q.authorization == taken[0].authorization
            {
                // Adds to a group already in the envelope fold into its
                // PATCH (`super::bind`): count what would be sent.
                taken.push(queue.remove(index));
                if wire_len(&taken) > MAX_BATCH {
                    if let Some(over) = taken.pop() {
                        queue.insert(index, over);
                    }
                    index += 1;
                }
            } else {
                index += 1;
            }
        }
        taken
    }

    /// Sends one envelope through `transport` and files every request's
    /// answer.
    async fn fly(&self, host: &impl Host, transport: &impl Transport, taken: Vec<Queued>) {
        if taken.is_empty() {
            return;
        }
        let sent_at_ms = host.now_ms();
        self.envelopes.set(self.envelopes.get() + 1);
        let (requests, folded) = wire(&taken);
        let envelope = HttpRequest::new(Method::Post, format!("{}{VERSION}/$batch", taken[0].root))
            .header("Authorization", taken[0].authorization.clone())
            .header("client-request-id", crate::random::uuid_v4())
            .header("Accept", "application/json")
            .header("Content-Type", "application/json")
            .body(json!({ "requests": requests }).to_string());
        self.pacer.sent(sent_at_ms, requests.len());
        let response = transport.send(envelope).await;
        let mut answers = self.answers.borrow_mut();
        match response {
            Ok(r) if r.status == 200 => {
                let body: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
                let mut list = body["responses"].as_array().cloned().unwrap_or_default();
                let throttled = list.iter().filter(|r| r["status"] == 429).count();
                self.pacer.answered(sent_at_ms, throttled, host.now_ms());
                let again = folded.unfold(&mut list);
                let mut resend = Vec::new();
                for mut q in taken {
                    let prefix = format!("{}.", q.ticket);
                    let mine = |e: &Value| e["id"].as_str().is_some_and(|i| i.starts_with(&prefix));
                    q.answered.extend(list.iter().filter(|r| mine(r)).cloned());
                    let entries: Vec<Value> =
                        again.iter().filter_map(|e| own_entry(e, &prefix)).collect();
                    if entries.is_empty() {
                        answers.insert(q.ticket, Ok(answer_for(&q, &q.answered)));
                    } else {
                        // The refused PATCH's adds go again on their own,
                        // first in the next envelope.
                        resend.push(Queued {
                            entries,
                            foldable: false,
                            ..q
                        });
                    }
                }
                self.queue.borrow_mut().splice(0..0, resend);
            }
            // The envelope itself failed (throttled, refused, dropped):
            // that is the answer of each request in it.
            other => {
                let throttled = if other.as_ref().is_ok_and(|r| r.status == 429) {
                    requests.len()
                } else {
                    0
                };
                self.pacer.answered(sent_at_ms, throttled, host.now_ms());
                for q in taken {
                    answers.insert(q.ticket, other.clone());
                }
            }
        }
    }
}

/// The request as a queued envelope part, or `None` when it must go alone.
fn queueable(request: &HttpRequest, ticket: u64) -> Option<Queued> {
    let at = request.url.find(&format!("{VERSION}/"))?;
    let root = request.url[..at].to_string();
    let relative = &request.url[at + VERSION.len()..];
    let authorization = header(&request.headers, "authorization")?.to_string();
    let body: Option<Value> = match &request.body {
        Some(text) => Some(serde_json::from_str(text).ok()?),
        None => None,
    };
    if relative.eq_ignore_ascii_case("/$batch") {
        let entries = body?.get("requests")?.as_array()?.clone();
        if entries.is_empty() || entries.len() > MAX_BATCH {
            return None;
        }
        return Some(Queued {
            ticket,
            root,
            authorization,
            entries,
            is_batch: true,
            answered: Vec::new(),
            foldable: true,
        });
    }
    let mut entry = Map::new();
    entry.insert("id".into(), json!("0"));
    entry.insert("method".into(), json!(request.method.as_str()));
    entry.insert("url".into(), json!(relative));
    let mut headers = Map::new();
    for (name, value) in &request.headers {
        if !ENVELOPE_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            headers.insert(name.clone(), json!(value));
        }
    }
    if !headers.is_empty() {
        entry.insert("headers".into(), Value::Object(headers));
    }
    if let Some(body) = body {
        entry.insert("body".into(), body);
    }
    Some(Queued {
        ticket,
        root,
        authorization,
        entries: vec![Value::Object(entry)],
        is_batch: false,
        answered: Vec::new(),
        foldable: true,
    })
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The `$batch` items an envelope of `taken` sends, counted without
/// building them ([`super::bind::wire_len`]).
fn wire_len(taken: &[Queued]) -> usize {
    let alone: usize = taken
        .iter()
        .filter(|q| !q.foldable)
        .map(|q| q.entries.len())
        .sum();
    let foldable = taken
        .iter()
        .filter(|q| q.foldable)
        .flat_map(|q| q.entries.iter());
    alone + super::bind::wire_len(foldable)
}

/// The `$batch` items an envelope of `taken` sends (ids prefixed), the
/// group adds of different requests folded ([`super::bind::fold`]).
fn wire(taken: &[Queued]) -> (Vec<Value>, super::bind::Folded) {
    let mut requests = Vec::new();
    let mut foldable = Vec::new();
    for q in taken {
        for entry in &q.entries {
            let entry = prefixed(entry, q.ticket);
            if q.foldable {
                foldable.push(entry);
            } else {
                requests.push(entry);
            }
        }
    }
    let mut folded = super::bind::fold(foldable);
    requests.append(&mut folded.requests);
    (requests, folded)
}

/// The entry or answer as its caller named it (the envelope's
/// `{ticket}.` dropped from its id), when it is that caller's.
fn own_entry(entry: &Value, prefix: &str) -> Option<Value> {
    let id = entry["id"].as_str()?.strip_prefix(prefix)?;
    let mut entry = entry.clone();
    entry["id"] = json!(id);
    Some(entry)
}

/// Entry ids are unique per envelope as `{ticket}.{id}`; `dependsOn`
/// follows.
fn prefixed(entry: &Value, ticket: u64) -> Value {
    let mut entry = entry.clone();
    let id = entry["id"].as_str().unwrap_or_default().to_string();
    entry["id"] = json!(format!("{ticket}.{id}"));
    if let Some(deps) = entry.get_mut("dependsOn").and_then(Value::as_array_mut) {
        for d in deps.iter_mut() {
            *d = json!(format!("{ticket}.{}", d.as_str().unwrap_or_default()));
        }
    }
    entry
}

/// The answer one request gets out of the envelope's `responses`.
fn answer_for(q: &Queued, responses: &[Value]) -> HttpResponse {
    let prefix = format!("{}.", q.ticket);
    let mine: Vec<Value> = responses
        .iter()
        .filter_map(|r| own_entry(r, &prefix))
        .collect();
    if q.is_batch {
        return HttpResponse {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: json!({ "responses": mine }).to_string(),
        };
    }
    let Some(r) = mine.into_iter().next() else {
        // Graph answers every item; a missing one is a broken response.
        return HttpResponse {
            status: 502,
            headers: Vec::new(),
            body: String::new(),
        };
    };
    let headers = r["headers"]
        .as_object()
        .map(|h| {
            h.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let body = match &r["body"] {
        Value::Null => String::new(),
        other => other.to_string(),
    };
    HttpResponse {
        status: r["status"]
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .unwrap_or(502),
        headers,
        body,
    }
}

type Task<'f, O> = Pin<Box<dyn Future<Output = O> + 'f>>;

impl Coalescer {
    /// Runs `tasks` side by side, their Graph requests sent together
    /// through `transport`, and returns their outputs in order. Envelopes
    /// leave when every unfinished task waits on Graph, when a full
    /// envelope is queued, or when none is in flight; at most
    /// [`MAX_FLIGHTS`] at once, and, once a 429 has shown the tenant's
    /// budget, no faster than it ([`Pacer`], waiting on `host`'s clock).
    pub async fn run_together<'f, H: Host, T: Transport, O>(
        &'f self,
        host: &'f H,
        transport: &'f T,
        tasks: Vec<Task<'f, O>>,
    ) -> Vec<O> {
        let state = &*self.state;
        let gather: Rc<dyn Gather> = Rc::new(Taker(self.state.clone()));
        let mut outputs: Vec<Option<O>> = tasks.iter().map(|_| None).collect();
        let mut tasks: Vec<Option<Task<'f, O>>> = tasks.into_iter().map(Some).collect();
        let mut flights: Vec<Task<'f, ()>> = Vec::new();
        // Waiting for room in the learnt budget.
        let mut pause: Option<Task<'f, ()>> = None;
        std::future::poll_fn(move |cx: &mut Context<'_>| loop {
            for (task, output) in tasks.iter_mut().zip(outputs.iter_mut()) {
                if let Some(future) = task {
                    if let Poll::Ready(o) = with_gather(&gather, || future.as_mut().poll(cx)) {
                        *output = Some(o);
                        *task = None;
                    }
                }
            }
            let unfinished = tasks.iter().filter(|t| t.is_some()).count();
            if unfinished == 0 {
                return Poll::Ready(outputs.iter_mut().filter_map(Option::take).collect());
            }
            let before = flights.len();
            flights.retain_mut(|f| f.as_mut().poll(cx).is_pending());
            let landed = flights.len() < before;
            let mut started = false;
            if let Some(p) = &mut pause {
                if p.as_mut().poll(cx).is_pending() {
                    if !landed {
                        return Poll::Pending;
                    }
                    continue;
                }
                pause = None;
                started = true;
            }
            while flights.len() < MAX_FLIGHTS {
                let queued = state.queued_entries();
                let all_waiting = state.waiting.get() >= unfinished;
                if queued == 0 || !(queued >= MAX_BATCH || all_waiting || flights.is_empty()) {
                    break;
                }
                let envelope = state.take_envelope();
                if let Err(wait_ms) = state.pacer.room(host.now_ms(), wire_len(&envelope)) {
                    state.queue.borrow_mut().splice(0..0, envelope);
                    pause = Some(Box::pin(host.sleep_ms(wait_ms)));
                    started = true;
                    break;
                }
                let mut flight: Task<'f, ()> = Box::pin(state.fly(host, transport, envelope));
                if flight.as_mut().poll(cx).is_pending() {
                    flights.push(flight);
                }
                started = true;
            }
            if !landed && !started {
                return Poll::Pending;
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Envelopes of 20 sent 100 ms apart from `start_ms`, each answered
    /// 50 ms later with `throttled[i]` of its requests refused.
    fn paced(pacer: &Pacer, start_ms: u64, throttled: &[usize]) {
        for (i, refused) in throttled.iter().enumerate() {
            let at = start_ms + 100 * i as u64;
            pacer.sent(at, 20);
            pacer.answered(at, *refused, at + 50);
        }
    }

    #[test]
    fn a_refusal_reads_the_budget_with_the_refused_requests_the_tenant_counted() {
        // A tenant of 100 requests a second, learnt long ago: the first
        // envelope of the window was refused whole (the tenant's window
        // was full of requests this pacer never saw), which teaches
        // nothing; four
        // were served, and the sixth found the 100 counted (20 refused +
        // 80 served) and was refused. Counting only served requests read
        // 80 and paced the rest of the job a fifth below the budget.
        let pacer = Pacer::default();
        pacer.limit.set(Some(100));
        paced(&pacer, 10_000, &[20, 0, 0, 0, 0, 20]);
        assert_eq!(pacer.limit.get(), Some(100));
    }

    #[test]
    fn a_first_refusal_after_a_burst_reads_what_the_tenant_served() {
        // Sending 120 a second at a tenant of 100: the sixth envelope is
        // refused whole, and the reading is the 100 before it.
        let pacer = Pacer::default();
        paced(&pacer, 10_000, &[0, 0, 0, 0, 0, 20]);
        assert_eq!(pacer.limit.get(), Some(100));
    }
}
