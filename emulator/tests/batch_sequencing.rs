//! `$batch` sequencing as Graph accepts it: a batch is either fully parallel
//! (no item has `dependsOn`) or fully sequential (every item after the first
//! depends on earlier ones). Graph answers a mix 400 `BadRequest` "Batch
//! should be either fully sequential or fully parallel" (Microsoft's answer
//! on Q&A,
//! <https://learn.microsoft.com/en-us/answers/questions/1532547/regarding-batching-response-order>),
//! the rule the Graph SDKs check before sending (`BatchRequestContent`'s
//! dependency check, citing
//! <https://developer.microsoft.com/en-us/graph/docs/concepts/known_issues#json-batching>).

mod common;

use common::{graph, token};
use entra_emulator::{Emulator, RequestKind};
use serde_json::{json, Value};

const ADELE: &str = "adele.vance@contoso.example";

fn set_title(id: &str, title: &str, deps: &[&str]) -> Value {
    let mut item = json!({
        "id": id,
        "method": "PATCH",
        "url": format!("/users/{ADELE}"),
        "headers": {"Content-Type": "application/json"},
        "body": {"jobTitle": title}
    });
    if !deps.is_empty() {
        item["dependsOn"] = json!(deps);
    }
    item
}

async fn title(emu: &Emulator, tok: &str) -> Value {
    graph(
        emu,
        tok,
        "GET",
        &format!("/users/{ADELE}?$select=jobTitle"),
        None,
    )
    .await
    .body["jobTitle"]
        .clone()
}

/// Independent items next to a dependent one: refused whole, nothing runs.
#[tokio::test(flavor = "current_thread")]
async fn a_batch_mixing_parallel_and_dependent_items_is_refused_before_any_item_runs() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let before = title(&emu, &tok).await;
    emu.clear_log();
    // "2" is independent, "3" depends on "1": neither parallel nor sequential.
    let mixed = json!({"requests": [
        set_title("1", "First", &[]),
        set_title("2", "Second", &[]),
        set_title("3", "Third", &["1"]),
    ]});
    let r = graph(&emu, &tok, "POST", "/$batch", Some(mixed)).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.body["error"]["code"], "BadRequest");
    assert_eq!(
        r.body["error"]["message"],
        "Batch should be either fully sequential or fully parallel"
    );
    assert!(
        emu.request_log()
            .iter()
            .all(|e| e.kind != RequestKind::BatchItem),
        "no item may run"
    );
    assert_eq!(title(&emu, &tok).await, before);
}

/// A dependent item after an independent second one is just as mixed: the
/// rule is about every item after the first, not about the last.
#[tokio::test(flavor = "current_thread")]
async fn an_item_after_the_first_without_depends_on_makes_a_dependent_batch_mixed() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let mixed = json!({"requests": [
        set_title("1", "First", &[]),
        set_title("2", "Second", &["1"]),
        set_title("3", "Third", &[]),
    ]});
    let r = graph(&emu, &tok, "POST", "/$batch", Some(mixed)).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(
        r.body["error"]["message"],
        "Batch should be either fully sequential or fully parallel"
    );
}

/// Fully sequential batches run, including ones whose items name any earlier
/// item (not only the one just before), and fully parallel ones run too.
#[tokio::test(flavor = "current_thread")]
async fn fully_sequential_and_fully_parallel_batches_run() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let sequential = json!({"requests": [
        set_title("1", "First", &[]),
        set_title("2", "Second", &["1"]),
        set_title("3", "Third", &["1", "2"]),
    ]});
    let r = graph(&emu, &tok, "POST", "/$batch", Some(sequential)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["status"] == 204));
    assert_eq!(title(&emu, &tok).await, "Third");
    let parallel = json!({"requests": [
        {"id": "a", "method": "GET", "url": format!("/users/{ADELE}")},
        {"id": "b", "method": "GET", "url": "/organization"},
    ]});
    let r = graph(&emu, &tok, "POST", "/$batch", Some(parallel)).await;
    assert_eq!(r.status, 200, "{}", r.body);
}
