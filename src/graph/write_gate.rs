//! Holding a client's changes back until something else is durable.
//!
//! The pipeline writes an operation's "started" audit record before the
//! first change reaches Entra, so a run that Forge stops mid-plan still
//! leaves a trace. It does not wait for that write before the operation's
//! reads: it hands the client a [`WriteGate`], opened when the record is
//! stored, and the client sends reads at once but any request that changes
//! something (every method but `GET`; a `$batch` only when it carries such
//! a request) only once the gate is open. The reads and the storage write
//! so share one wait.

use crate::graph::request::GraphRequest;
use crate::http::Method;
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// A latch: closed until [`WriteGate::open`], then open for good. Shared
/// (through an `Rc`) by the code that opens it and the client that waits.
#[derive(Debug, Default)]
pub struct WriteGate {
    open: Cell<bool>,
    waiting: RefCell<Vec<Waker>>,
}

impl WriteGate {
    /// A closed gate.
    pub fn closed() -> Self {
        WriteGate::default()
    }

    /// Opens the gate and wakes every change waiting on it.
    pub fn open(&self) {
        self.open.set(true);
        for waker in self.waiting.borrow_mut().drain(..) {
            waker.wake();
        }
    }

    /// True once [`WriteGate::open`] ran.
    pub fn is_open(&self) -> bool {
        self.open.get()
    }

    /// Resolves when the gate is open (at once if it already is).
    pub fn opened(&self) -> Opened<'_> {
        Opened { gate: self }
    }
}

/// The future of [`WriteGate::opened`].
#[derive(Debug)]
pub struct Opened<'g> {
    gate: &'g WriteGate,
}

impl Future for Opened<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.gate.is_open() {
            return Poll::Ready(());
        }
        self.gate.waiting.borrow_mut().push(cx.waker().clone());
        Poll::Pending
    }
}

/// True when sending `request` may change something in Entra: any method
/// but `GET`, except a `$batch` whose every request is a `GET`.
pub fn changes_something(request: &GraphRequest) -> bool {
    if request.method == Method::Get {
        return false;
    }
    if request.path != "/$batch" {
        return true;
    }
    let items = request
        .body
        .as_ref()
        .and_then(|b| b.get("requests"))
        .and_then(Value::as_array);
    match items {
        Some(items) => items.iter().any(|item| {
            !item
                .get("method")
                .and_then(Value::as_str)
                .is_some_and(|m| m.eq_ignore_ascii_case("GET"))
        }),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::task::Waker;

    #[test]
    fn reads_pass_and_changes_wait_for_the_gate() {
        let read = GraphRequest::get("/users/x");
        let read_batch = GraphRequest::post(
            "/$batch",
            Some(json!({"requests": [{"id": "1", "method": "GET", "url": "/users/x"}]})),
        );
        let write_batch = GraphRequest::post(
            "/$batch",
            Some(json!({"requests": [
                {"id": "1", "method": "GET", "url": "/users/x"},
                {"id": "2", "method": "PATCH", "url": "/users/x", "body": {}}
            ]})),
        );
        assert!(!changes_something(&read));
        assert!(!changes_something(&read_batch));
        assert!(changes_something(&write_batch));
        assert!(changes_something(&GraphRequest::post(
            "/users",
            Some(json!({}))
        )));

        let gate = WriteGate::closed();
        let mut cx = Context::from_waker(Waker::noop());
        let mut waiting = std::pin::pin!(gate.opened());
        assert!(waiting.as_mut().poll(&mut cx).is_pending());
        gate.open();
        assert!(waiting.as_mut().poll(&mut cx).is_ready());
    }
}
