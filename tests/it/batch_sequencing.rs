//! `$batch` envelopes as Graph accepts them: fully parallel, or fully
//! sequential when any item has `dependsOn` (Graph refuses a mix with 400
//! "Batch should be either fully sequential or fully parallel":
//! <https://learn.microsoft.com/en-us/answers/questions/1532547/regarding-batching-response-order>).
//! The client chains such a chunk and re-sends the items that only the
//! chain failed; these tests run it against the emulator, which refuses a
//! mix as Graph does.

use crate::support::*;
use entra_connect::graph::{BatchItem, ClientError, GraphRequest};
use entra_emulator::RequestKind;
use serde_json::json;

const ADELE: &str = "adele.vance@contoso.example";
const ALEX: &str = "alex.wilber@contoso.example";

fn status(result: &Result<entra_connect::graph::GraphResponse, ClientError>) -> u16 {
    match result {
        Ok(r) => r.status,
        Err(ClientError::Graph(e)) => e.status,
        Err(e) => panic!("not a Graph answer: {e:?}"),
    }
}

/// Item order: a read that fails, an independent read, a write that waits
/// for that read, and a read that waits for the failed one. Sent chained,
/// the failure makes Graph answer 424 to everything after it; the
/// independent read and its write are re-sent in one more round and
/// succeed, while the read whose own dependency failed keeps its 424.
#[tokio::test(flavor = "current_thread")]
async fn a_chained_424_is_re_sent_and_a_real_one_stays() {
    let h = Harness::new();
    let c = h.client();
    h.emu.clear_log();
    let items = vec![
        BatchItem::new(
            "missing",
            GraphRequest::get("/users/nobody@contoso.example"),
        ),
        BatchItem::new("adele", GraphRequest::get(format!("/users/{ADELE}"))),
        BatchItem::new(
            "title",
            GraphRequest::patch(format!("/users/{ADELE}"), json!({"jobTitle": "Chained"})),
        )
        .after("adele"),
        BatchItem::new("alex", GraphRequest::get(format!("/users/{ALEX}"))).after("missing"),
    ];
    let results = c.execute(&items, h.deadline()).await;
    let statuses: Vec<u16> = results.iter().map(status).collect();
    assert_eq!(statuses, vec![404, 200, 204, 424], "{}", h.log_dump());
    assert_eq!(h.user_prop(ADELE, "jobTitle"), "Chained");
    // Two envelopes, both accepted: the second carries only the re-sent pair.
    let envelopes = h.graph_log();
    assert_eq!(envelopes.len(), 2, "{}", h.log_dump());
    assert!(envelopes.iter().all(|e| e.status == 200));
    let items_sent = h
        .emu
        .request_log()
        .into_iter()
        .filter(|l| l.kind == RequestKind::BatchItem)
        .count();
    assert_eq!(items_sent, 4 + 2);
}

/// Without dependencies the envelope stays parallel: one failure costs the
/// others nothing, in one round trip.
#[tokio::test(flavor = "current_thread")]
async fn a_parallel_chunk_is_sent_unchained_in_one_round_trip() {
    let h = Harness::new();
    let c = h.client();
    h.emu.clear_log();
    let items = vec![
        BatchItem::new(
            "missing",
            GraphRequest::get("/users/nobody@contoso.example"),
        ),
        BatchItem::new("adele", GraphRequest::get(format!("/users/{ADELE}"))),
        BatchItem::new("alex", GraphRequest::get(format!("/users/{ALEX}"))),
    ];
    let results = c.execute(&items, h.deadline()).await;
    let statuses: Vec<u16> = results.iter().map(status).collect();
    assert_eq!(statuses, vec![404, 200, 200]);
    assert_eq!(h.round_trips(), 1);
}
