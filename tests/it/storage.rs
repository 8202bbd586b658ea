//! The app's storage as Forge means it (see `src/layout.rs`): the memory
//! host holds `@forge/kvs`'s semantics, every key the app builds is one
//! Forge accepts, writes cost the same at 100 and at 100,000 records,
//! concurrent writers lose nothing, data written by the previous layout is
//! migrated, retention purges run from the sweep, and a job item that can
//! never run ends as a dead letter.
//!
//! Sources: key rule and limits,
//! <https://developer.atlassian.com/platform/forge/storage-reference/handling-errors-kvs/>;
//! key queries, <https://developer.atlassian.com/platform/forge/storage-reference/query/>;
//! transactions, <https://developer.atlassian.com/platform/forge/storage-reference/transactions/>;
//! entities and indexes, <https://developer.atlassian.com/platform/forge/runtime-reference/custom-entities>.

use crate::support::{
    configure, jira_with_assigned_request, json_body, post, run, InProcessTransport,
};
use entra_connect::audit::{self, AuditFilter, AuditRecord};
use entra_connect::host::memory::MemoryHost;
use entra_connect::host::{Condition, EntityQuery, Host, KeyQuery, Range, Sort, TxOp};
use entra_connect::jobs::consume::{handle_event, EventResult};
use entra_connect::jobs::store::{ItemOutcome, ItemState, JobRecord};
use entra_connect::layout::{self, AUDIT_ENTITY};
use entra_connect::resolver::{self, ResolverContext};
use entra_emulator::Emulator;
use serde_json::{json, Value};

const DAY_MS: u64 = 86_400_000;

fn audit_record(id: &str, at_ms: u64, issue: &str, target: &str) -> AuditRecord {
    serde_json::from_value(json!({
        "id": id,
        "atMs": at_ms,
        "requester": {"accountId": "agent-1"},
        "issueKey": issue,
        "action": {"type": "operation", "operation": "user.disable"},
        "target": {"id": "00000000-0000-4000-8000-00000000000a", "label": target},
        "result": {"status": "succeeded"},
    }))
    .unwrap()
}

// ---------------------------------------------------------------- host

#[tokio::test(flavor = "current_thread")]
async fn key_queries_answer_in_key_order_a_page_at_a_time() {
    let host = MemoryHost::new();
    for i in [3, 1, 4, 0, 2] {
        host.kvs_set(&format!("p:{i}"), &json!(i)).await.unwrap();
    }
    host.kvs_set("q:0", &json!("other")).await.unwrap();
    let mut query = KeyQuery::prefix("p:", 2);
    let mut seen = Vec::new();
    loop {
        let page = host.kvs_query(&query).await.unwrap();
        assert!(page.results.len() <= 2);
        seen.extend(page.results.iter().map(|e| e.key.clone()));
        match page.next_cursor {
            Some(c) => query.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, ["p:0", "p:1", "p:2", "p:3", "p:4"]);
}

#[tokio::test(flavor = "current_thread")]
async fn writes_outside_forges_key_rule_are_refused() {
    let host = MemoryHost::new();
    for bad in ["job/1", "", "   ", &"k".repeat(501)] {
        assert!(host.kvs_set(bad, &json!(1)).await.is_err(), "{bad:?}");
    }
    assert!(host
        .entity_set("no-such-entity", "k", &json!({}))
        .await
        .is_err());
    let undeclared = host
        .entity_set(AUDIT_ENTITY, "k", &json!({"colour": "red"}))
        .await
        .unwrap_err();
    assert!(undeclared.to_string().contains("colour"), "{undeclared}");
    // Forge's integer is 32-bit: a time in milliseconds is a float attribute.
    let wrong_type = host
        .entity_set(AUDIT_ENTITY, "k", &json!({"atMs": "yesterday"}))
        .await;
    assert!(wrong_type.is_err());
}

#[tokio::test(flavor = "current_thread")]
async fn a_transaction_writes_all_or_nothing() {
    let host = MemoryHost::new();
    host.kvs_set("a", &json!(1)).await.unwrap();
    let refused = host
        .kvs_transact(&[
            TxOp::set("b", json!(2)),
            TxOp::delete("a"),
            TxOp::Check {
                key: "r1".into(),
                entity: AUDIT_ENTITY.into(),
                conditions: vec![Condition::Exists("atMs".into())],
            },
        ])
        .await;
    assert!(refused.is_err(), "the check fails: no entity r1");
    assert_eq!(host.kvs_get("a").await.unwrap(), Some(json!(1)));
    assert_eq!(host.kvs_get("b").await.unwrap(), None, "nothing partial");
    let bad_key = host
        .kvs_transact(&[TxOp::set("c", json!(3)), TxOp::set("c/d", json!(4))])
        .await;
    assert!(bad_key.is_err());
    assert_eq!(host.kvs_get("c").await.unwrap(), None);
    host.kvs_transact(&[TxOp::set("b", json!(2)), TxOp::delete("a")])
        .await
        .unwrap();
    assert_eq!(host.kvs_get("a").await.unwrap(), None);
    assert_eq!(host.kvs_get("b").await.unwrap(), Some(json!(2)));
    let too_many: Vec<TxOp> = (0..26)
        .map(|i| TxOp::set(format!("t:{i}"), json!(i)))
        .collect();
    assert!(host.kvs_transact(&too_many).await.is_err());
}

#[tokio::test(flavor = "current_thread")]
async fn entity_indexes_filter_by_partition_bound_by_range_and_page_in_order() {
    let host = MemoryHost::new();
    for (id, at, issue) in [
        ("r1", 10, "ITSM-1"),
        ("r2", 30, "ITSM-2"),
        ("r3", 20, "ITSM-1"),
        ("r4", 40, "ITSM-1"),
    ] {
        audit::record(&host, &audit_record(id, at, issue, "adele@contoso.example"))
            .await
            .unwrap();
    }
    let query = |cursor: Option<String>| EntityQuery {
        entity_name: AUDIT_ENTITY.into(),
        index_name: "by-issue".into(),
        partition: vec![json!("itsm-1")],
        range: Some(Range::GreaterThan(json!(10))),
        sort: Sort::Desc,
        limit: 1,
        cursor,
    };
    let first = host.entity_query(&query(None)).await.unwrap();
    assert_eq!(first.results[0].key, "r4");
    let second = host.entity_query(&query(first.next_cursor)).await.unwrap();
    assert_eq!(second.results[0].key, "r3");
    assert_eq!(second.next_cursor, None, "r1 is outside the range");
    // An index without a partition; a wrong partition is refused.
    let all = host
        .entity_query(&EntityQuery {
            index_name: "by-time".into(),
            partition: vec![],
            range: None,
            sort: Sort::Asc,
            limit: 10,
            ..query(None)
        })
        .await
        .unwrap();
    let keys: Vec<_> = all.results.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["r1", "r3", "r2", "r4"]);
    assert!(host
        .entity_query(&EntityQuery {
            partition: vec![],
            ..query(None)
        })
        .await
        .is_err());
}

// ---------------------------------------------------------------- keys

#[test]
fn every_key_builder_yields_a_key_forge_accepts() {
    let hostile = [
        "ITSM-1",
        "a/b\\c",
        "shane.o'neil@contoso.example",
        "名前",
        " ",
        "x#y:z",
        &"9".repeat(120),
    ];
    let mut keys = vec![
        layout::SCHEMA_VERSION_KEY.to_string(),
        layout::CONFIG_KEY.to_string(),
        layout::CLIENT_SECRET_KEY.to_string(),
        layout::SERVICE_KEY_SECRET.to_string(),
        layout::HMAC_SECRET_KEY.to_string(),
        layout::TAP_POLICY_CACHE_KEY.to_string(),
        entra_connect::maintenance::migrate::UNREADABLE_PREFIX.to_string() + "x",
    ];
    for value in hostile {
        keys.extend([
            layout::job_key(value),
            layout::job_items_key(value, 19),
            layout::job_outcome_key(value, 19, 499),
            layout::job_attempt_key(value, 19),
            layout::job_created_key(u64::MAX / 1000, value),
            layout::job_newest_key(u64::MAX / 1000, value),
            layout::approval_key(value, "user.create", value),
            layout::credential_expiry_key(u64::MAX / 1000, value),
            layout::panel_cache_key(value),
            layout::hmac_seen_key(u64::MAX / 1000, value),
            layout::import_checkpoint_key(value),
            layout::key_part(value),
            audit::store::record_key(&audit_record(value, 1, value, value)),
        ]);
    }
    for key in keys {
        assert!(layout::is_valid_key(&key), "{key:?}");
    }
}

// ---------------------------------------------------------------- cost

/// Storage calls one audit write, one job outcome, one waiting operation
/// and one credential make with `existing` audit records already stored.
async fn write_costs(existing: usize) -> Vec<usize> {
    let host = MemoryHost::new();
    for i in 0..existing {
        let record = audit_record(
            &format!("old{i}"),
            i as u64,
            "ITSM-1",
            "adele@contoso.example",
        );
        host.entity_set(
            AUDIT_ENTITY,
            &record.id,
            &audit::store::entity_value(&record),
        )
        .await
        .unwrap();
        host.kvs_set(&format!("job:big:outcome:0000:{i:05}"), &json!({}))
            .await
            .unwrap();
    }
    let mut costs = Vec::new();
    let before = host.storage_calls();
    audit::record(
        &host,
        &audit_record("new", 1, "ITSM-1", "adele@contoso.example"),
    )
    .await
    .unwrap();
    costs.push(host.storage_calls() - before);
    let before = host.storage_calls();
    let outcome = ItemOutcome {
        index: 7,
        state: ItemState::Done,
        http_status: 201,
        error_code: None,
        error_message: None,
        audit_id: None,
        user_id: None,
        user_principal_name: None,
        finished_at_ms: 1,
    };
    entra_connect::jobs::store::save_outcome(&host, "big", 0, &outcome)
        .await
        .unwrap();
    costs.push(host.storage_calls() - before);
    costs
}

#[test]
fn a_write_costs_the_same_at_100_and_at_100000_records() {
    let small = run(write_costs(100));
    let large = run(write_costs(100_000));
    assert_eq!(small, large);
    assert_eq!(small, vec![1, 1], "one storage call each");
}

// ---------------------------------------------------------------- concurrency

#[test]
fn two_queue_consumers_and_a_resolver_writing_at_once_lose_nothing() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configure(jira_with_assigned_request(), &emulator).await;
        let host = host.interleaving(true);
        let transport = InProcessTransport(emulator.clone());
        let calls: Vec<Value> = (0..30)
            .map(|i| {
                json!({"route": "user.create", "issueKey": "ITSM-1", "data": {
                    "givenName": "Race", "surname": format!("Hire{i:03}"), "employeeId": format!("R{i:04}"),
                    "department": "Sales",
                }})
            })
            .collect();
        let submitted = entra_connect::service_api::handle(
            &post(
                &key,
                &json!({"route": "jobs.submit", "data": {"calls": calls}}),
            ),
            &host,
            &transport,
        )
        .await;
        let job_id = json_body(&submitted)["result"]["jobId"]
            .as_str()
            .unwrap()
            .to_string();
        let events: Vec<Value> = host
            .queue_pushes()
            .into_iter()
            .flat_map(|(_, e)| e)
            .collect();
        assert_eq!(events.len(), 2);
        let context = ResolverContext {
            account_id: Some("agent-9".into()),
            ..ResolverContext::default()
        };
        let resolver_writes = async {
            for i in 0..10 {
                resolver::handle(
                    "secret.reveal",
                    &json!({"credentialId": format!("gone-{i}")}),
                    &context,
                    &host,
                    &transport,
                )
                .await;
            }
        };
        let calls_before = host.storage_calls();
        let (a, b, ()) = tokio::join!(
            handle_event(&events[0], &host, &transport),
            handle_event(&events[1], &host, &transport),
            resolver_writes,
        );
        assert!(matches!(a, EventResult::Finished { ran: 25, .. }), "{a:?}");
        assert!(matches!(b, EventResult::Finished { ran: 5, .. }), "{b:?}");
        // About six storage calls a hire (200 in all when written), none
        // of which reads a list that grows with the job or the trail.
        let calls = host.storage_calls() - calls_before;
        assert!(calls <= 30 * 8 + 10 * 2, "{calls} storage calls");

        let status = entra_connect::jobs::status::status(
            json!({"jobId": job_id}).as_object().unwrap(),
            &host,
        )
        .await
        .unwrap();
        let result = &status.body["result"];
        assert_eq!(result["complete"], true, "{result}");
        assert_eq!(result["counts"]["done"], 30, "{result}");
        let trail = audit::query(
            &host,
            &AuditFilter {
                limit: Some(200),
                ..AuditFilter::default()
            },
        )
        .await
        .unwrap();
        let creates = trail
            .iter()
            .filter(|r| audit::store::operation_of(r) == "user.create")
            .count();
        let reveals = trail
            .iter()
            .filter(|r| r.requester.account_id == "agent-9")
            .count();
        assert_eq!((creates, reveals), (30, 10), "every record kept");
        let by_requester = audit::query(
            &host,
            &AuditFilter {
                requester_account_id: Some("agent-9".into()),
                limit: Some(200),
                ..AuditFilter::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(by_requester.len(), 10, "and found through its index");
    });
}

// ---------------------------------------------------------------- dead letter

#[test]
fn an_item_that_cannot_be_read_or_never_finishes_ends_as_a_dead_letter() {
    run(async {
        let emulator = Emulator::demo();
        let (host, _key) = configure(jira_with_assigned_request(), &emulator).await;
        let transport = InProcessTransport(emulator.clone());
        let record = JobRecord {
            id: "deadjob".into(),
            created_at_ms: host.now_ms(),
            items: 3,
            chunk_starts: vec![0],
            auth: entra_connect::policy::ServiceApiAuth::ServiceKey,
        };
        // Item 0 finished earlier. Item 1: three deliveries started at it
        // and never finished it (the consumer trapped or timed out each
        // time). Item 2: a route this version does not know.
        host.kvs_set(
            &layout::job_items_key("deadjob", 0),
            &json!({"items": [
                {"route": "user.get", "data": {"user": "adele.vance@contoso.example"}},
                {"route": "user.get", "data": {"user": "adele.vance@contoso.example"}},
                {"route": "user.teleport", "data": {}},
            ]}),
        )
        .await
        .unwrap();
        host.kvs_set(
            &layout::job_key("deadjob"),
            &serde_json::to_value(&record).unwrap(),
        )
        .await
        .unwrap();
        host.kvs_set(
            &layout::job_outcome_key("deadjob", 0, 0),
            &json!({"index": 0, "state": "done", "httpStatus": 200, "finishedAtMs": 1}),
        )
        .await
        .unwrap();
        host.kvs_set(
            &layout::job_attempt_key("deadjob", 0),
            &json!({"index": 1, "count": 3}),
        )
        .await
        .unwrap();
        let event = json!({"body": {"jobId": "deadjob", "chunk": 0}});
        let result = handle_event(&event, &host, &transport).await;
        assert!(
            matches!(
                result,
                EventResult::Finished {
                    ran: 2,
                    skipped: 1,
                    ..
                }
            ),
            "{result:?}"
        );
        let outcomes = entra_connect::jobs::store::load_all_outcomes(&host, "deadjob")
            .await
            .unwrap();
        let codes: Vec<_> = outcomes.iter().map(|o| o.error_code.clone()).collect();
        assert_eq!(
            codes,
            [
                None,
                Some("dead_letter".into()),
                Some("unreadable_item".into())
            ]
        );
        assert_eq!(
            emulator
                .request_log()
                .iter()
                .filter(|r| !r.path.contains("oauth2"))
                .count(),
            0,
            "neither was run"
        );
        // Redelivered: nothing left to run, nothing retried.
        let again = handle_event(&event, &host, &transport).await;
        assert!(
            matches!(
                again,
                EventResult::Finished {
                    ran: 0,
                    skipped: 3,
                    ..
                }
            ),
            "{again:?}"
        );
    });
}

// ---------------------------------------------------------------- retention

#[test]
fn the_hourly_upkeep_purges_by_retention() {
    run(async {
        let emulator = Emulator::demo();
        let (host, _key) = configure(jira_with_assigned_request(), &emulator).await;
        let mut config = entra_connect::config::load(&host).await.unwrap();
        config.policy.audit_retention_days = 30;
        entra_connect::config::save(&host, &config).await.unwrap();
        let t0 = host.now_ms();
        audit::record(
            &host,
            &audit_record("old", t0, "ITSM-1", "adele@contoso.example"),
        )
        .await
        .unwrap();
        let job = JobRecord {
            id: "oldjob".into(),
            created_at_ms: t0,
            items: 1,
            chunk_starts: vec![0],
            auth: entra_connect::policy::ServiceApiAuth::ServiceKey,
        };
        let item =
            serde_json::from_value(json!({"route": "user.get", "data": {"user": "x"}})).unwrap();
        entra_connect::jobs::store::save_job(&host, &job, &[item])
            .await
            .unwrap();
        entra_connect::pipeline::idempotency::remember(&host, "0a0b", 200, &json!({"ok": true}))
            .await
            .unwrap();
        host.advance(40 * DAY_MS);
        audit::record(
            &host,
            &audit_record("new", host.now_ms(), "ITSM-1", "adele@contoso.example"),
        )
        .await
        .unwrap();
        let upkeep = entra_connect::maintenance::upkeep(&host).await;
        assert_eq!(upkeep.audit_records_purged, 1, "{upkeep:?}");
        assert_eq!(upkeep.jobs_purged, 1, "{upkeep:?}");
        assert_eq!(upkeep.idempotency_purged, 1, "{upkeep:?}");
        assert!(upkeep.migration.complete);
        let left: Vec<_> = host.entity_snapshot(AUDIT_ENTITY).into_keys().collect();
        assert_eq!(left, ["new"]);
        assert!(!host
            .kvs_keys_snapshot()
            .keys()
            .any(|k| k.contains("oldjob")));
    });
}

// ---------------------------------------------------------------- migration

/// Data as the previous version stored it (its key shapes and values,
/// reproduced from that version's `audit::store`, `jobs::store`,
/// `pipeline::idempotency`, `delivery::store`, `portal::pending`,
/// `config::store` and `resolver::panel`).
fn seed_old_layout(host: &MemoryHost, now: u64) {
    let records = [
        audit_record(
            "recA",
            now - 2 * DAY_MS,
            "ITSM-7",
            "adele.vance@contoso.example",
        ),
        audit_record("recB", now - DAY_MS, "ITSM-7", "diego@contoso.example"),
    ];
    for r in &records {
        host.seed_kvs(
            &format!("audit:rec:{:015}-{}", r.at_ms, r.id.to_lowercase()),
            serde_json::to_value(r).unwrap(),
        );
    }
    let old_keys: Vec<String> = records
        .iter()
        .map(|r| format!("audit:rec:{:015}-{}", r.at_ms, r.id.to_lowercase()))
        .collect();
    host.seed_kvs("audit:idx:issue:itsm-7", json!({"keys": old_keys}));
    host.seed_kvs("audit:idx:requester:agent-1", json!({"keys": old_keys}));
    host.seed_kvs("audit:days", json!({"keys": ["2025-12-30", "2025-12-31"]}));

    // A job in flight: chunk 0 half done.
    host.seed_kvs(
        "job/J0b",
        json!({"id": "J0b", "createdAtMs": now - 1000, "items": 2, "chunkStarts": [0], "auth": "serviceKey"}),
    );
    host.seed_kvs(
        "job/J0b/items/0",
        json!({"items": [
            {"route": "user.get", "data": {"user": "adele.vance@contoso.example"}},
            {"route": "user.get", "data": {"user": "diego@contoso.example"}},
        ]}),
    );
    host.seed_kvs(
        "job/J0b/outcomes/0",
        json!({"outcomes": [{"index": 0, "state": "done", "httpStatus": 200, "finishedAtMs": now - 500}]}),
    );

    host.seed_kvs(
        &format!("idem/{}", "ab".repeat(32)),
        json!({"status": 201, "body": {"ok": true, "route": "user.create"}, "storedAtMs": now - 1000}),
    );

    // An unrevealed credential.
    host.secrets_insert(
        "delivery:cred1",
        &json!({"value": "Old-Secret-Value-1!", "kind": "temporaryPassword", "operation": "user.resetPassword",
            "targetId": "t", "targetLabel": "adele.vance@contoso.example", "issueKey": "ITSM-7",
            "auditId": "recB", "viewers": ["agent-1"], "createdAtMs": now - 1000,
            "expiresAtMs": now + DAY_MS}).to_string(),
    );
    host.seed_kvs(
        "delivery:pending",
        json!({"entries": [{"id": "cred1", "expiresAtMs": now + DAY_MS}]}),
    );

    // A portal operation waiting for approval.
    host.seed_kvs(
        "portal:pending:ITSM-7",
        json!({"issueKey": "ITSM-7", "route": "user.disable", "data": {"user": "adele.vance@contoso.example"},
            "requester": {"accountId": "customer-1", "displayName": "C", "kind": "portalCustomer"},
            "createdAtMs": now - 1000}),
    );
    // One stored by request and route (the keying before the layout).
    host.seed_kvs(
        "portal:pending:ITSM-8:user.resetPassword",
        json!({"issueKey": "ITSM-8", "route": "user.resetPassword", "data": {"user": "lee.gu@contoso.example"},
            "requester": {"accountId": "customer-2", "displayName": "D", "kind": "portalCustomer"},
            "createdAtMs": now - 900}),
    );
    host.seed_kvs(
        "portal:pending:index",
        json!(["ITSM-7", "ITSM-8:user.resetPassword"]),
    );
    // The Jobs tab's list of the newest job ids.
    host.seed_kvs("jobs/recent", json!({"ids": ["J0b"]}));

    host.seed_kvs("ui/panel/ITSM-7", json!({"atMs": now, "view": {}}));
    host.seed_kvs(
        "service-api:hmac-seen",
        json!([{"digest": "cd".repeat(32), "at": now / 1000}]),
    );
    host.secrets_insert("service-api/hmac-secret", "hmac-secret-value");
}

#[test]
fn data_written_by_the_previous_layout_is_migrated_in_resumable_chunks() {
    run(async {
        let emulator = Emulator::demo();
        let (host, _key) = configure(jira_with_assigned_request(), &emulator).await;
        // The previous version kept its configuration under `config/app`.
        let config = host.kvs_get(layout::CONFIG_KEY).await.unwrap().unwrap();
        host.kvs_delete(layout::CONFIG_KEY).await.unwrap();
        host.seed_kvs("config/app", config.clone());
        let client_secret = host
            .secret_get(layout::CLIENT_SECRET_KEY)
            .await
            .unwrap()
            .unwrap();
        host.secret_delete(layout::CLIENT_SECRET_KEY).await.unwrap();
        host.secrets_insert("graph/client-secret", &client_secret);
        let now = host.now_ms();
        seed_old_layout(&host, now);
        assert_eq!(
            entra_connect::maintenance::migrate::version(&host)
                .await
                .unwrap(),
            1
        );

        // Three keys at a time: each run is cut short and the next resumes,
        // one run is repeated as if two invocations raced.
        let mut runs = 0;
        loop {
            runs += 1;
            let report = entra_connect::maintenance::migrate::run(&host, 3)
                .await
                .unwrap();
            if runs == 2 {
                entra_connect::maintenance::migrate::run(&host, 3)
                    .await
                    .unwrap();
            }
            if report.complete {
                break;
            }
            assert!(runs < 20, "the migration makes progress");
        }
        assert!(runs > 2, "it ran in chunks ({runs})");
        assert_eq!(
            entra_connect::maintenance::migrate::version(&host)
                .await
                .unwrap(),
            layout::SCHEMA_VERSION
        );

        // Every old key is gone; every key left follows Forge's rule.
        for key in host.kvs_keys_snapshot().keys() {
            assert!(layout::is_valid_key(key), "old key left: {key}");
        }
        for key in host.secrets_snapshot().keys() {
            assert!(layout::is_valid_key(key), "old secret left: {key}");
        }

        // The HMAC replay window goes on refusing a used signature.
        assert!(host
            .kvs_get(&layout::hmac_seen_key(now / 1000, &"cd".repeat(32)))
            .await
            .unwrap()
            .is_some());

        // Settings and app secrets under their new names.
        assert_eq!(
            host.kvs_get(layout::CONFIG_KEY).await.unwrap(),
            Some(config)
        );
        assert_eq!(
            host.secret_get(layout::CLIENT_SECRET_KEY)
                .await
                .unwrap()
                .as_deref(),
            Some(client_secret.as_str())
        );
        assert_eq!(
            host.secret_get(layout::HMAC_SECRET_KEY)
                .await
                .unwrap()
                .as_deref(),
            Some("hmac-secret-value")
        );

        // The audit trail, found through the new indexes.
        let trail = audit::query(
            &host,
            &AuditFilter {
                issue_key: Some("ITSM-7".into()),
                ..AuditFilter::default()
            },
        )
        .await
        .unwrap();
        let ids: Vec<_> = trail.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["recB", "recA"]);

        // The job in flight: its status, then the rest of it runs.
        let status = entra_connect::jobs::status::status(
            json!({"jobId": "J0b"}).as_object().unwrap(),
            &host,
        )
        .await
        .unwrap();
        assert_eq!(
            status.body["result"]["counts"]["done"], 1,
            "{}",
            status.body
        );
        assert_eq!(status.body["result"]["counts"]["queued"], 1);
        let transport = InProcessTransport(emulator.clone());
        let ran = handle_event(
            &json!({"body": {"jobId": "J0b", "chunk": 0}}),
            &host,
            &transport,
        )
        .await;
        assert!(
            matches!(
                ran,
                EventResult::Finished {
                    ran: 1,
                    skipped: 1,
                    ..
                }
            ),
            "{ran:?}"
        );

        // The idempotency record replays.
        let replay = entra_connect::pipeline::idempotency::find(&host, &"ab".repeat(32))
            .await
            .unwrap()
            .expect("replayable");
        assert_eq!(replay.status, 201);

        // The waiting portal operation is due for the sweep.
        let due = entra_connect::portal::pending::due(&host, host.now_ms())
            .await
            .unwrap();
        assert_eq!(due.len(), 2);
        assert_eq!(due[0].1.as_ref().unwrap().issue_key, "ITSM-7");
        // Both old keyings (the request alone; request and route) now
        // answer under request and route, found through the request.
        use entra_connect::portal::pending;
        assert_eq!(
            pending::ids_of(&host, "ITSM-7").await.unwrap(),
            ["ITSM-7:user.disable"]
        );
        assert_eq!(
            pending::ids_of(&host, "ITSM-8").await.unwrap(),
            ["ITSM-8:user.resetPassword"]
        );
        let moved = pending::load(&host, "ITSM-8:user.resetPassword")
            .await
            .unwrap()
            .expect("moved");
        assert_eq!(moved.data["user"], "lee.gu@contoso.example");

        // The job stays on the Jobs tab, listed by its own key.
        assert_eq!(
            entra_connect::jobs::recent::list(&host).await.unwrap(),
            ["J0b"]
        );

        // The credential can still be revealed once, and is swept on expiry.
        let secret = entra_connect::delivery::reveal(&host, "cred1", "agent-1")
            .await
            .unwrap();
        assert_eq!(secret.expose(), "Old-Secret-Value-1!");
        assert!(!host
            .kvs_keys_snapshot()
            .keys()
            .any(|k| k.starts_with(layout::CREDENTIAL_EXPIRY_PREFIX)));

        // Once complete, a run costs one read.
        let before = host.storage_calls();
        entra_connect::maintenance::migrate::run(&host, 3)
            .await
            .unwrap();
        assert_eq!(host.storage_calls() - before, 1);
    });
}

// ---------------------------------------------------------------- HMAC replay window

#[tokio::test(flavor = "current_thread")]
async fn used_signatures_are_refused_then_pruned_after_the_window() {
    use entra_connect::service_api::signature::{self, Verified, WINDOW_SECONDS};
    let host = MemoryHost::new();
    let secret = signature::rotate(&host).await.unwrap();
    let send = |body: &'static str| {
        let host = &host;
        let secret = secret.expose().to_string();
        async move {
            let ts = (host.now_ms() / 1000).to_string();
            let sig = format!("v1={}", signature::sign(&secret, &ts, body));
            signature::verify(host, &ts, &sig, body).await.unwrap()
        }
    };
    let seen = |host: &MemoryHost| {
        host.kvs_keys_snapshot()
            .keys()
            .filter(|k| k.starts_with(layout::HMAC_SEEN_PREFIX))
            .count()
    };
    let ts = (host.now_ms() / 1000).to_string();
    let sig = format!("v1={}", signature::sign(secret.expose(), &ts, "a"));
    assert!(matches!(
        signature::verify(&host, &ts, &sig, "a").await.unwrap(),
        Verified::Valid
    ));
    assert!(
        matches!(
            signature::verify(&host, &ts, &sig, "a").await.unwrap(),
            Verified::Refused(_)
        ),
        "a replay is refused"
    );
    assert!(matches!(send("b").await, Verified::Valid));
    assert_eq!(seen(&host), 2);
    host.advance((2 * WINDOW_SECONDS + 1) * 1000);
    assert!(matches!(send("c").await, Verified::Valid));
    assert_eq!(seen(&host), 1, "the two expired entries were pruned");
}
