//! Reads answered ahead of time, within one operation: a step that must
//! make a round trip anyway (the policy's privileged-target guard) carries
//! in its `$batch` the reads a later step will make (offboarding's), and
//! the client keeps those answers; the later step's identical `GET` is
//! answered from them once, without a request. The answers live as long as
//! the [`crate::graph::GraphClient`], which the pipeline makes per
//! operation, so nothing is kept between operations, and any change the
//! client sends first forgets them all: no read answered from here can
//! predate a write of the same operation.

use crate::graph::request::{GraphRequest, GraphResponse};
use crate::http::Method;
use std::cell::RefCell;

/// Successful answers to `GET` requests, by path (query included), each
/// given out once.
#[derive(Debug, Default)]
pub struct ReadAhead {
    answers: RefCell<Vec<(String, GraphResponse)>>,
    /// A user key (an address tried as a UPN) and the object id it turned
    /// out to name, when the reads ahead were addressed by that id.
    resolved: RefCell<Option<(String, String)>>,
}

impl ReadAhead {
    /// Keeps `response` as the answer to `request` (a `GET`; other methods
    /// are never kept: they change something and must be sent).
    pub fn keep(&self, request: &GraphRequest, response: GraphResponse) {
        if request.method == Method::Get {
            self.answers
                .borrow_mut()
                .push((request.path.clone(), response));
        }
    }

    /// Records that the reads ahead for the user `key` were addressed by
    /// `id` instead (the address was a mail or alias, not the UPN).
    pub fn resolve(&self, key: &str, id: &str) {
        *self.resolved.borrow_mut() = Some((key.to_string(), id.to_string()));
    }

    /// The id the reads ahead for the user `key` were addressed by, if not `key`.
    pub fn resolved_key(&self, key: &str) -> Option<String> {
        self.resolved
            .borrow()
            .as_ref()
            .filter(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, id)| id.clone())
    }

    /// Forgets every kept answer: called before a change is sent, after
    /// which an answer read earlier may be stale.
    pub fn forget_before(&self, request: &GraphRequest) {
        if request.method != Method::Get {
            self.answers.borrow_mut().clear();
        }
    }

    /// The kept answer to `request`, removed: a second identical read goes
    /// to Graph (a read-back after a write must see the new state).
    pub fn take(&self, request: &GraphRequest) -> Option<GraphResponse> {
        if request.method != Method::Get {
            return None;
        }
        let mut answers = self.answers.borrow_mut();
        let index = answers.iter().position(|(p, _)| *p == request.path)?;
        Some(answers.remove(index).1)
    }
}
