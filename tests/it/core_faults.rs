//! Resilience against the emulator's faults, all on virtual time:
//! throttling, 503s, replication delay, token expiry, dropped connections,
//! resuming after a partial failure, and hostile filter input.

use crate::support::*;
use entra_connect::graph::model::UserAttributes;
use entra_connect::graph::Deadline;
use entra_connect::host::Host;
use entra_connect::http::{HttpRequest, HttpResponse, Transport, TransportError};
use entra_connect::lifecycle::provisioning::{FirstCredential, ProvisioningRules};
use entra_connect::lifecycle::*;
use entra_emulator::{Faults, RequestKind, ThrottleFault, UnavailableFault};
use percent_encoding::percent_decode_str;
use serde_json::json;

const ADELE: &str = "adele.vance@contoso.example";
const ALEX: &str = "alex.wilber@contoso.example";

fn upn(v: &str) -> UserRef {
    UserRef::Upn(v.into())
}

/// New Sales hires join every serviceable group plus the two project groups.
fn config(h: &Harness) -> ProvisioningRules {
    let mut groups: Vec<String> = SERVICEABLE.iter().map(|g| h.group(g).to_string()).collect();
    groups.extend(EXTRA_GROUPS.iter().map(|(id, _)| id.to_string()));
    ProvisioningRules {
        licences: Default::default(),
        naming: NamingTemplate::parse("{given}.{surname}@contoso.example", None).unwrap(),
        rules: GroupRules::from_json(&json!([
            {"name": "sales", "when": [{"attribute": "department", "equals": "Sales"}], "groups": groups}
        ]))
        .unwrap(),
    }
}

fn hire(given: &str, surname: &str, employee_id: &str) -> NewHire {
    NewHire {
        given_name: given.into(),
        surname: surname.into(),
        display_name: None,
        attributes: UserAttributes {
            department: Some("Sales".into()),
            employee_id: Some(employee_id.into()),
            ..Default::default()
        },
        manager: Some(upn(ALEX)),
        groups: vec![],
        credential: FirstCredential::TemporaryPassword,
    }
}

fn users_with_employee_id(h: &Harness, employee_id: &str) -> usize {
    h.emu.tenant_summary()["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| h.emu.user(u["id"].as_str().unwrap()).unwrap()["employeeId"] == employee_id)
        .count()
}

#[tokio::test(flavor = "current_thread")]
async fn throttled_batch_items_are_retried_after_fractional_retry_after() {
    let h = Harness::new();
    let c = h.client();
    h.emu.set_faults(Faults {
        throttle: Some(ThrottleFault {
            requests_per_second: 4,
            retry_after_seconds: 1.5,
        }),
        ..Default::default()
    });
    let start = h.host.now_ms();
    let created = create(
        &c,
        &config(&h),
        &hire("Storm", "Rider", "E9201"),
        RunMode::Execute,
        h.deadline(),
    )
    .await
    .unwrap();
    assert!(
        created.outcome.is_complete(),
        "{}",
        created.outcome.render_text()
    );
    let id = created.outcome.user.unwrap().id;
    assert_eq!(h.groups_of(&id).len(), 12);
    let log = h.emu.request_log();
    let throttled = log
        .iter()
        .filter(|l| l.kind == RequestKind::BatchItem && l.status == 429)
        .count();
    assert!(throttled > 0, "the storm throttled some batch items");
    // Every wait honoured the 1.5 s Retry-After: the virtual clock moved
    // at least one Retry-After per retry round.
    assert!(h.host.now_ms() - start >= 1_500);
    println!(
        "round trips: onboarding in a 4 req/s storm: {} ({throttled} items throttled)",
        h.round_trips()
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_storm_longer_than_the_deadline_defers_instead_of_failing() {
    let h = Harness::new();
    let c = h.client();
    h.emu.set_faults(Faults {
        throttle: Some(ThrottleFault {
            requests_per_second: 0,
            retry_after_seconds: 10.0,
        }),
        ..Default::default()
    });
    let e = disable(
        &c,
        &upn(ADELE),
        RunMode::Execute,
        Deadline::after(h.host.now_ms(), 25_000),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            e,
            OpError::Deadline {
                retry_after_ms: 10_000
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.http_status(), 429);
    assert_eq!(h.user_prop(ADELE, "accountEnabled"), true);
}

#[tokio::test(flavor = "current_thread")]
async fn service_unavailable_is_retried() {
    let h = Harness::new();
    let c = h.client();
    h.emu.set_faults(Faults {
        unavailable: Some(UnavailableFault {
            count: 2,
            retry_after_seconds: Some(0.5),
            method: Some("PATCH".into()),
            path_prefix: None,
        }),
        ..Default::default()
    });
    let out = disable(&c, &upn(ADELE), RunMode::Execute, h.deadline())
        .await
        .unwrap();
    assert!(out.is_complete(), "{}", out.render_text());
    assert_eq!(h.user_prop(ADELE, "accountEnabled"), false);
    let unavailable = h
        .emu
        .request_log()
        .iter()
        .filter(|l| l.status == 503)
        .count();
    assert_eq!(unavailable, 2);
}

#[tokio::test(flavor = "current_thread")]
async fn replication_delay_right_after_create_is_waited_out() {
    let h = Harness::new();
    let c = h.client();
    h.emu.set_faults(Faults {
        replication_delay_ms: 20_000,
        ..Default::default()
    });
    let mut tap_hire = hire("Lag", "Behind", "E9202");
    tap_hire.credential = FirstCredential::TemporaryAccessPass {
        lifetime_minutes: 60,
        usable_once: true,
    };
    let created = create(&c, &config(&h), &tap_hire, RunMode::Execute, h.deadline())
        .await
        .unwrap();
    assert!(
        created.outcome.is_complete(),
        "{}",
        created.outcome.render_text()
    );
    let id = created.outcome.user.unwrap().id;
    assert_eq!(h.groups_of(&id).len(), 12);
    assert_eq!(h.user_prop(&id, "manager"), h.user_id(ALEX));
    assert!(created.credential.is_some());
    let not_yet = h
        .emu
        .request_log()
        .iter()
        .filter(|l| l.status == 404)
        .count();
    assert!(not_yet > 0, "the emulator did delay replication");
    println!(
        "round trips: onboarding with 20 s replication delay: {} ({not_yet} replication 404s)",
        h.round_trips()
    );
}

#[tokio::test(flavor = "current_thread")]
async fn an_expired_token_mid_plan_is_refreshed_once() {
    let h = Harness::new();
    let c = h.client();
    h.emu.set_faults(Faults {
        token_lifetime_seconds: Some(600),
        ..Default::default()
    });
    lookup(&c, &upn(ADELE), h.deadline()).await.unwrap();
    lookup(&c, &upn(ADELE), h.deadline()).await.unwrap();
    assert_eq!(h.token_requests(), 1, "the token is cached");
    // Entra's clock runs ahead of ours: the cached token has expired there.
    h.emu.advance_time(601_000);
    let out = disable(&c, &upn(ADELE), RunMode::Execute, h.deadline())
        .await
        .unwrap();
    assert!(out.is_complete(), "{}", out.render_text());
    assert_eq!(h.token_requests(), 2);
    assert!(h.emu.request_log().iter().any(|l| l.status == 401));
    // Our own clock passing the expiry renews before any 401.
    h.host.advance(601_000);
    h.emu.clear_log();
    lookup(&c, &upn(ADELE), h.deadline()).await.unwrap();
    assert_eq!(h.token_requests(), 1);
    assert!(h.emu.request_log().iter().all(|l| l.status != 401));
}

#[tokio::test(flavor = "current_thread")]
async fn a_dropped_read_is_retried() {
    let h = Harness::new();
    let c = h.client();
    lookup(&c, &upn(ADELE), h.deadline()).await.unwrap();
    h.emu.set_faults(Faults {
        drop_connections: 1,
        ..Default::default()
    });
    let u = lookup(&c, &upn(ADELE), h.deadline()).await.unwrap();
    assert_eq!(u.employee_id.as_deref(), Some("E1004"));
    assert!(h.emu.request_log().iter().any(|l| l.status == 599));
}

/// Aims the emulator's drop fault at the first request matching a method and
/// path suffix (the fault itself only counts requests, so it cannot be aimed).
struct DropOn<'a> {
    inner: &'a InProcessTransport,
    method: &'static str,
    path_suffix: &'static str,
    armed: std::cell::Cell<bool>,
}

impl Transport for DropOn<'_> {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let path = request.url.split('?').next().unwrap_or_default();
        if self.armed.get()
            && request.method.as_str() == self.method
            && path.ends_with(self.path_suffix)
        {
            self.armed.set(false);
            self.inner.0.set_faults(Faults {
                drop_connections: 1,
                ..Default::default()
            });
        }
        self.inner.send(request).await
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_dropped_create_is_not_repeated_and_a_rerun_finds_the_account() {
    let h = Harness::new();
    let transport = DropOn {
        inner: &h.transport,
        method: "POST",
        path_suffix: "/v1.0/users",
        armed: std::cell::Cell::new(true),
    };
    let creds = h.emu.credentials();
    let c = entra_connect::graph::GraphClient::new(
        &transport,
        &h.host,
        entra_connect::graph::GraphSettings::new(&creds.tenant_id, &creds.client_id)
            .with_bases(BASE, BASE),
        entra_connect::secret::Secret::new(creds.client_secret),
    );
    let first = create(
        &c,
        &config(&h),
        &hire("Drop", "Ped", "E9203"),
        RunMode::Execute,
        h.deadline(),
    )
    .await
    .unwrap();
    assert!(
        matches!(&first.outcome.steps[0].outcome, StepOutcome::Failed { code, .. } if code == "network"),
        "{}",
        first.outcome.render_text()
    );
    assert!(first.credential.is_none());
    let posts = h
        .emu
        .request_log()
        .iter()
        .filter(|l| l.method == "POST" && l.path == "/v1.0/users")
        .count();
    assert_eq!(posts, 1, "POST /users is never repeated blindly");
    let again = create(
        &c,
        &config(&h),
        &hire("Drop", "Ped", "E9203"),
        RunMode::Execute,
        h.deadline(),
    )
    .await
    .unwrap();
    assert!(
        again.outcome.is_complete(),
        "{}",
        again.outcome.render_text()
    );
    assert_eq!(users_with_employee_id(&h, "E9203"), 1);
}

#[tokio::test(flavor = "current_thread")]
async fn a_rerun_after_partial_failure_resumes_without_duplicates() {
    let h = Harness::new();
    let c = h.client();
    let atlas = EXTRA_GROUPS[0].0;
    // Atlas is unavailable for longer than the caller's deadline allows.
    h.emu.set_faults(Faults {
        unavailable: Some(UnavailableFault {
            count: 1_000,
            retry_after_seconds: Some(30.0),
            method: None,
            path_prefix: Some(format!("/v1.0/groups/{atlas}")),
        }),
        ..Default::default()
    });
    let cfg = config(&h);
    let first = create(
        &c,
        &cfg,
        &hire("Half", "Done", "E9204"),
        RunMode::Execute,
        h.deadline(),
    )
    .await
    .unwrap();
    assert!(!first.outcome.is_complete());
    let unfinished: Vec<_> = first
        .outcome
        .steps
        .iter()
        .filter(|s| !s.outcome.is_success())
        .map(|s| s.key.clone())
        .collect();
    assert_eq!(
        unfinished,
        vec![format!("group.add:{atlas}")],
        "{}",
        first.outcome.render_text()
    );
    assert!(
        first.outcome.deferred_ms().is_some(),
        "{}",
        first.outcome.render_text()
    );
    assert!(
        first.credential.is_some(),
        "the account exists: its password is issued"
    );
    let id = first.outcome.user.clone().unwrap().id;
    assert_eq!(h.groups_of(&id).len(), 11);

    h.emu.set_faults(Faults::default());
    h.host.advance(30_000);
    let again = create(
        &c,
        &cfg,
        &hire("Half", "Done", "E9204"),
        RunMode::Execute,
        h.deadline(),
    )
    .await
    .unwrap();
    assert!(again.already_existed && again.credential.is_none());
    assert!(
        again.outcome.is_complete(),
        "{}",
        again.outcome.render_text()
    );
    let done: Vec<_> = again
        .outcome
        .steps
        .iter()
        .filter(|s| s.outcome == StepOutcome::Done)
        .map(|s| s.key.clone())
        .collect();
    assert_eq!(
        done,
        vec![format!("group.add:{atlas}")],
        "{}",
        again.outcome.render_text()
    );
    assert_eq!(h.groups_of(&id).len(), 12);
    assert_eq!(users_with_employee_id(&h, "E9204"), 1);
    // A third replay changes nothing at all.
    h.emu.clear_log();
    let third = create(
        &c,
        &cfg,
        &hire("Half", "Done", "E9204"),
        RunMode::Execute,
        h.deadline(),
    )
    .await
    .unwrap();
    assert!(
        third
            .outcome
            .steps
            .iter()
            .all(|s| s.outcome == StepOutcome::NoChange),
        "{}",
        third.outcome.render_text()
    );
    let changed = h.emu.request_log().into_iter().filter(|l| {
        l.kind != RequestKind::Token
            && l.path != "/v1.0/$batch"
            && l.method != "GET"
            && (200..300).contains(&l.status)
    });
    assert_eq!(changed.count(), 0, "a replay changes nothing");
    assert_eq!(users_with_employee_id(&h, "E9204"), 1);
}

#[tokio::test(flavor = "current_thread")]
async fn the_token_cache_outlives_a_client_within_one_warm_container() {
    let h = Harness::new();
    lookup(&h.client(), &upn(ADELE), h.deadline())
        .await
        .unwrap();
    // A later invocation builds a new client: the token is reused.
    lookup(&h.client(), &upn(ADELE), h.deadline())
        .await
        .unwrap();
    assert_eq!(h.token_requests(), 1);
    // A short-lived token is cached for half its life, not refetched per call.
    h.emu.set_faults(Faults {
        token_lifetime_seconds: Some(60),
        ..Default::default()
    });
    h.host.advance(3_600_000);
    let c = h.client();
    for _ in 0..3 {
        lookup(&c, &upn(ADELE), h.deadline()).await.unwrap();
    }
    assert_eq!(h.token_requests(), 2);
    h.host.advance(31_000);
    lookup(&h.client(), &upn(ADELE), h.deadline())
        .await
        .unwrap();
    assert_eq!(h.token_requests(), 3);
}

const HOSTILE: [&str; 10] = [
    "O'Brien",
    "x' or 1 eq 1",
    "' or ''='",
    "50%",
    "a&$top=1",
    "a#b",
    "line\nbreak",
    "+plus",
    "ünï",
    "a)%20or(1 eq 1",
];

/// The single `$filter` of the logged request, which must be one equality.
fn logged_equality(query: &str) -> (String, String) {
    match parse_filter(query) {
        Ok(Filter::Eq(prop, value)) => (prop, value),
        Ok(Filter::StartsWith(prop, value)) => {
            panic!("expected an equality, got startswith({prop}, '{value}'): {query}")
        }
        Err(e) => panic!("malformed filter {query}: {e}"),
    }
}

#[tokio::test(flavor = "current_thread")]
async fn hostile_filter_values_reach_the_emulator_as_one_literal() {
    let h = Harness::new();
    let c = h.client();
    for hostile in HOSTILE {
        for user in [
            UserRef::Mail(hostile.into()),
            UserRef::EmployeeId(hostile.into()),
        ] {
            h.emu.clear_log();
            let result = lookup(&c, &user, h.deadline()).await;
            let log = h.graph_log();
            if hostile.contains('\n') {
                // Control characters are refused before anything is sent...
                let e = UserRef::mail(hostile, "user").unwrap_err();
                assert_eq!(e.field(), Some("user"));
                // ...and even if a caller bypasses that, the literal holds.
            }
            let e = result.unwrap_err();
            assert_eq!(e.http_status(), 404, "{user}: {e}");
            assert_eq!(log.len(), 1);
            let query = log[0].query.clone().unwrap_or_default();
            assert_eq!(log[0].status, 200, "{query}");
            assert_eq!(
                logged_equality(&query),
                (user.field().to_string(), hostile.to_string())
            );
            assert!(!query.contains(' ') && !query.contains('\n') && !query.contains('#'));
            // Exactly $filter, $select and $expand: nothing smuggled in.
            assert_eq!(query.matches('&').count(), 2, "{query}");
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn hostile_upns_address_exactly_one_path_segment() {
    let h = Harness::new();
    let c = h.client();
    for hostile in [
        "o'brien#x@contoso.example",
        "a/../b@contoso.example",
        "$x@contoso.example",
        "50%?x=1@contoso.example",
    ] {
        h.emu.clear_log();
        let e = lookup(&c, &upn(hostile), h.deadline()).await.unwrap_err();
        assert_eq!(e.http_status(), 404, "{hostile}: {e}");
        let log = h.graph_log();
        assert_eq!(log.len(), 1);
        let segment = log[0].path.strip_prefix("/v1.0/users").unwrap();
        let key = segment
            .strip_prefix('/')
            .map(str::to_string)
            .or_else(|| {
                segment
                    .strip_prefix("('")
                    .and_then(|s| s.strip_suffix("')"))
                    .map(|s| s.replace("''", "'"))
            })
            .unwrap();
        assert!(!key.contains('/') || key.contains("%2F"), "{segment}");
        assert_eq!(percent_decode_str(&key).decode_utf8().unwrap(), hostile);
    }
}

#[tokio::test(flavor = "current_thread")]
async fn hostile_employee_id_and_manager_in_create_stay_literals() {
    let h = Harness::new();
    let c = h.client();
    let mut hostile_hire = hire("Quote", "Tester", "x' or 1 eq 1");
    hostile_hire.manager = Some(UserRef::Mail("m' or 1 eq 1&#".into()));
    h.emu.clear_log();
    let e = create(
        &c,
        &config(&h),
        &hostile_hire,
        RunMode::Execute,
        h.deadline(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.field(), Some("manager"), "{e:?}");
    let items: Vec<_> = h
        .emu
        .request_log()
        .into_iter()
        .filter(|l| {
            l.kind == RequestKind::BatchItem
                && l.query.as_deref().is_some_and(|q| q.contains("%20eq%20"))
        })
        .collect();
    let mut seen: Vec<(String, String)> = items
        .iter()
        .map(|l| logged_equality(l.query.as_deref().unwrap()))
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        vec![
            ("employeeId".to_string(), "x' or 1 eq 1".to_string()),
            ("mail".to_string(), "m' or 1 eq 1&#".to_string()),
        ]
    );
    assert!(items.iter().all(|l| l.status == 200));
}
