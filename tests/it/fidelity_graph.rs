//! Issue 12, field fidelity on the Graph side: nested membership, Graph's
//! 4xx answered as the caller's 4xx, throttled policy reads retried, and
//! offboardings that remove only real memberships. Every call goes through
//! the Service API against the in-process demo tenant; the host's virtual
//! clock moves the emulator's, so `Retry-After` waits cost no real time.

use crate::support::{configure, json_body, post, EmulatorHost, InProcessTransport};
use entra_connect::host::memory::MemoryHost;
use entra_connect::service_api::handle;
use entra_connect::service_api::webtrigger::WebTriggerResponse;
use entra_emulator::{Emulator, Faults, LoggedRequest, RequestKind, ThrottleFault};
use serde_json::{json, Value};

const MIRIAM: &str = "miriam.graham@contoso.example";
const RAUL: &str = "raul.razo@contoso.example";
const GITHUB: &str = "App - GitHub Enterprise";

/// The demo tenant behind a configured app (the ten serviceable groups).
struct App {
    emulator: Emulator,
    host: EmulatorHost,
    transport: InProcessTransport,
    key: String,
}

impl App {
    async fn new() -> Self {
        Self::on(Emulator::demo()).await
    }

    async fn on(emulator: Emulator) -> Self {
        let (inner, key) = configure(MemoryHost::new(), &emulator).await;
        App {
            host: EmulatorHost::over(inner, &emulator),
            transport: InProcessTransport(emulator.clone()),
            emulator,
            key,
        }
    }

    async fn call(&self, envelope: Value) -> (WebTriggerResponse, Value) {
        let res = handle(&post(&self.key, &envelope), &self.host, &self.transport).await;
        let body = json_body(&res);
        (res, body)
    }

    fn group_id(&self, name: &str) -> String {
        self.emulator.find_group_by_name(name).expect(name)["id"]
            .as_str()
            .expect("id")
            .to_string()
    }

    fn user_id(&self, upn: &str) -> String {
        self.emulator.user(upn).expect(upn)["id"]
            .as_str()
            .expect("id")
            .to_string()
    }

    fn graph_calls(&self) -> Vec<LoggedRequest> {
        self.emulator
            .request_log()
            .into_iter()
            .filter(|r| r.kind != RequestKind::Token)
            .collect()
    }

    /// Membership DELETEs Graph received (batch items included).
    fn deletes(&self) -> Vec<LoggedRequest> {
        self.graph_calls()
            .into_iter()
            .filter(|r| r.method == "DELETE" && r.path.contains("/members/"))
            .collect()
    }

    /// Requests that change something (the `$batch` envelope is not one).
    fn writes(&self) -> usize {
        self.graph_calls()
            .iter()
            .filter(|r| r.method != "GET" && !r.path.ends_with("/$batch"))
            .count()
    }
}

fn run<F: std::future::Future>(future: F) -> F::Output {
    crate::support::run(future)
}

// ---- 9: throttling during the policy check ----

#[test]
fn an_offboarding_under_throttling_retries_its_policy_reads_and_completes() {
    run(async {
        let app = App::new().await;
        // 2 requests/s with Retry-After 0.25 s: the policy check's ten group
        // reads and the protected-target batch exceed the budget at once.
        app.emulator.set_faults(Faults {
            throttle: Some(ThrottleFault {
                requests_per_second: 2,
                retry_after_seconds: 0.25,
            }),
            ..Faults::default()
        });
        let (res, body) = app
            .call(json!({"route": "user.offboard", "data": {"user": RAUL}}))
            .await;
        assert_eq!(res.status_code, 200, "{body}");
        let throttled = app.graph_calls().iter().filter(|r| r.status == 429).count();
        assert!(throttled > 0, "the emulator throttled some requests");
        assert_eq!(
            app.emulator.user(RAUL).unwrap()["accountEnabled"],
            false,
            "the offboarding ran"
        );
        println!(
            "offboarding at 2 req/s: {} Graph requests, {throttled} throttled",
            app.graph_calls().len()
        );
    });
}
