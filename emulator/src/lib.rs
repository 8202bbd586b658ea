//! A stateful Microsoft Entra ID + Graph v1.0 emulator: the token endpoint, the
//! user/group/directory operations the app uses, Graph's errors and edge cases,
//! fault injection and a request log. See `README.md` for the control endpoints.

mod auth_methods;
mod batch;
mod clock;
mod control;
mod deleted;
mod delta;
mod directory;
mod dispatch;
mod dynamic;
mod errors;
pub mod faults;
mod graph;
mod groups;
mod invitations;
mod licences;
pub mod log;
pub mod odata;
pub mod permissions;
mod policies;
mod privileged;
mod scale;
pub mod schema;
pub mod seed;
mod server;
mod tenant;
mod token;
mod users;
mod validation;

use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;

pub use dispatch::{DROPPED_HEADER, DROPPED_STATUS};
pub use faults::{
    AimedEffect, AimedFault, BudgetFault, Faults, RefuseFault, ThrottleFault, UnavailableFault,
};
pub use log::{LoggedRequest, RequestKind};
pub use seed::SeedError;

use dispatch::{Outcome, State};
use seed::Seed;

/// The app registration's credentials in the seed (emulator-only values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
}

/// A running emulator. Clones share one tenant.
#[derive(Clone)]
pub struct Emulator {
    state: Arc<Mutex<State>>,
}

impl Emulator {
    /// The embedded demo tenant (`seed/demo-tenant.json`).
    pub fn demo() -> Emulator {
        match Emulator::from_seed_json(seed::DEMO_SEED) {
            Ok(emulator) => emulator,
            // The demo seed is compiled in and covered by tests.
            Err(e) => unreachable!("embedded demo seed is invalid: {e}"),
        }
    }

    pub fn from_seed_json(json: &str) -> Result<Emulator, SeedError> {
        let seed = Seed::parse(json)?;
        Ok(Emulator {
            state: Arc::new(Mutex::new(State::new(seed))),
        })
    }

    /// The demo tenant's organization and app with `users` generated users
    /// and `groups` generated groups instead of its own (managers,
    /// departments, guests, synced users, nested and large groups; see
    /// `README.md`, "Scale seed"). Deterministic.
    pub fn scaled(users: usize, groups: usize) -> Result<Emulator, SeedError> {
        let emulator = Emulator::demo();
        emulator.seed_scale(users, groups)?;
        Ok(emulator)
    }

    /// Replaces this emulator's seed by a scaled one (as [`Emulator::scaled`],
    /// from the current seed's organization and app) and resets to it.
    pub fn seed_scale(&self, users: usize, groups: usize) -> Result<(), SeedError> {
        let mut state = self.lock();
        let seed = scale::scaled(&state.seed, users, groups);
        seed.validate()?;
        state.seed = seed;
        state.reset();
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the tenant half-written in a
        // way later requests care about, so keep serving.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn credentials(&self) -> Credentials {
        let state = self.lock();
        Credentials {
            tenant_id: state.tenant.id.clone(),
            client_id: state.tenant.app.client_id.clone(),
            client_secret: state.tenant.app.client_secret.clone(),
        }
    }

    /// Processes one request, then waits out the latency fault (outside the
    /// lock, so concurrent round trips overlap as they would on a network).
    pub(crate) async fn process_delayed(&self, request: http::Request<Vec<u8>>) -> Outcome {
        let (outcome, latency) = {
            let mut state = self.lock();
            let latency = state.faults.latency(request.uri().path());
            (dispatch::process(&mut state, request), latency)
        };
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        outcome
    }

    /// Handles one request in-process. A dropped-connection fault yields status
    /// 599 with header `x-emulator-dropped: 1`; callers treat it as a network error.
    pub async fn handle(&self, request: http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
        match self.process_delayed(request).await {
            Outcome::Respond(response) => response,
            Outcome::Drop => dispatch::dropped_response(),
        }
    }

    /// An axum router serving every path (token, Graph, control). A dropped-connection
    /// fault aborts the response body, since a router cannot close the socket itself.
    pub fn router(&self) -> axum::Router {
        server::router(self.clone())
    }

    /// Binds `addr` (port 0 for a free port) and serves until the task is aborted.
    pub async fn serve(
        &self,
        addr: std::net::SocketAddr,
    ) -> std::io::Result<(std::net::SocketAddr, tokio::task::JoinHandle<()>)> {
        server::serve(self.clone(), addr).await
    }

    pub fn request_log(&self) -> Vec<LoggedRequest> {
        self.lock().log.entries()
    }

    pub fn clear_log(&self) {
        self.lock().log.clear();
    }

    pub fn set_faults(&self, faults: Faults) {
        self.lock().faults = faults::FaultState::new(faults);
    }

    pub fn faults(&self) -> Faults {
        self.lock().faults.faults.clone()
    }

    /// Restores the seed and clears the log and faults (the clock keeps running).
    pub fn reset(&self) {
        self.lock().reset();
    }

    pub fn advance_time(&self, ms: u64) {
        self.lock().clock.advance(ms);
    }

    /// Milliseconds since the epoch on the emulator clock.
    pub fn now_ms(&self) -> u64 {
        self.lock().clock.now_ms()
    }

    /// A user's stored properties (all of them, not a Graph projection), by id or UPN,
    /// plus `manager` (id or null). Ignores replication delay.
    pub fn user(&self, id_or_upn: &str) -> Option<Value> {
        let state = self.lock();
        let user = &state.tenant.users[state.tenant.user_index_any(id_or_upn)?];
        let mut props = user.props.clone();
        props.insert(
            "manager".into(),
            user.manager
                .clone()
                .map(Value::String)
                .unwrap_or(Value::Null),
        );
        Some(Value::Object(props))
    }

    /// Does the user currently have a password set through the emulator or the seed?
    pub fn user_has_password(&self, id_or_upn: &str, password: &str) -> bool {
        let state = self.lock();
        state
            .tenant
            .user_index_any(id_or_upn)
            .is_some_and(|i| state.tenant.users[i].password.as_deref() == Some(password))
    }

    pub fn group_member_ids(&self, group_id: &str) -> Vec<String> {
        let state = self.lock();
        state
            .tenant
            .group_index(group_id)
            .map(|i| state.tenant.groups[i].members.clone())
            .unwrap_or_default()
    }

    pub fn find_group_by_name(&self, name: &str) -> Option<Value> {
        let state = self.lock();
        state
            .tenant
            .groups
            .iter()
            .find(|g| g.display_name().eq_ignore_ascii_case(name))
            .map(|g| Value::Object(g.props.clone()))
    }

    /// The summary served at `GET /_emulator/tenant`.
    pub fn tenant_summary(&self) -> Value {
        control::tenant_summary(&self.lock())
    }
}
