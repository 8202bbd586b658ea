//! Graph requests of a full delta sweep of users (with managers) and
//! groups (with members), as the Assets import reads them through
//! `graph::delta`, against the emulator's scale seed; then of an
//! incremental sweep after 1% of the users changed.
//!
//! `cargo run --example delta_sweep -- 10000 1500` (request counts do not
//! depend on the build profile).

use entra_connect::graph::delta::{groups_page, users_page, DeltaItem, DeltaNext, DeltaStart};
use entra_connect::graph::resources::users;
use entra_connect::graph::{Deadline, GraphClient, GraphRequest, GraphSettings};
use entra_connect::host::memory::MemoryHost;
use entra_connect::host::Host;
use entra_connect::http::{HttpRequest, HttpResponse, Transport, TransportError};
use entra_connect::secret::Secret;
use entra_emulator::{Emulator, RequestKind};
use serde_json::{json, Map};

const BASE: &str = "http://emulator.invalid";

struct InProcess(Emulator);

impl Transport for InProcess {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let path = request.url.strip_prefix(BASE).unwrap_or(&request.url);
        let mut builder = http::Request::builder()
            .method(request.method.as_str())
            .uri(path);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let built = builder
            .body(request.body.clone().unwrap_or_default().into_bytes())
            .map_err(|e| TransportError::Network {
                url: request.url.clone(),
                reason: e.to_string(),
            })?;
        let response = self.0.handle(built).await;
        Ok(HttpResponse {
            status: response.status().as_u16(),
            headers: response
                .headers()
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
                .collect(),
            body: String::from_utf8_lossy(response.body()).into_owned(),
        })
    }
}

/// Requests, objects and (for groups) member entries of one sweep, and its
/// deltaLink.
struct Sweep {
    requests: usize,
    objects: usize,
    removed: usize,
    links: usize,
    delta_link: String,
}

async fn sweep_users<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    emu: &Emulator,
    start: DeltaStart,
    deadline: Deadline,
) -> Sweep {
    emu.clear_log();
    let (mut start, mut objects, mut removed) = (start, 0, 0);
    loop {
        let page = users_page(client, &start, deadline)
            .await
            .expect("users page");
        for item in &page.items {
            match item {
                DeltaItem::Changed(_) => objects += 1,
                DeltaItem::Removed { .. } => removed += 1,
            }
        }
        match page.next {
            DeltaNext::More(next) => start = DeltaStart::Page(next),
            DeltaNext::Done(delta_link) => {
                return Sweep {
                    requests: graph_requests(emu),
                    objects,
                    removed,
                    links: 0,
                    delta_link,
                }
            }
        }
    }
}

async fn sweep_groups<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    emu: &Emulator,
    start: DeltaStart,
    deadline: Deadline,
) -> Sweep {
    emu.clear_log();
    let (mut start, mut ids, mut removed, mut links) =
        (start, std::collections::BTreeSet::new(), 0, 0);
    loop {
        let page = groups_page(client, &start, deadline)
            .await
            .expect("groups page");
        for item in page.items {
            match item {
                DeltaItem::Changed(g) => {
                    links += g.members_added.len() + g.members_removed.len();
                    ids.insert(g.id);
                }
                DeltaItem::Removed { .. } => removed += 1,
            }
        }
        match page.next {
            DeltaNext::More(next) => start = DeltaStart::Page(next),
            DeltaNext::Done(delta_link) => {
                return Sweep {
                    requests: graph_requests(emu),
                    objects: ids.len(),
                    removed,
                    links,
                    delta_link,
                }
            }
        }
    }
}

fn graph_requests(emu: &Emulator) -> usize {
    emu.request_log()
        .iter()
        .filter(|l| l.kind == RequestKind::Graph)
        .count()
}

fn report(what: &str, s: &Sweep, users: usize) {
    println!(
        "{what}: {} Graph requests, {} objects, {} removed, {} member entries ({:.2} requests per 1,000 users)",
        s.requests,
        s.objects,
        s.removed,
        s.links,
        s.requests as f64 * 1000.0 / users as f64
    );
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let (users, groups) = (
        args.first().copied().unwrap_or(10_000),
        args.get(1).copied().unwrap_or(1_500),
    );
    let emu = Emulator::scaled(users, groups).expect("scale seed");
    let transport = InProcess(emu.clone());
    let host = MemoryHost::new();
    let creds = emu.credentials();
    let client = GraphClient::new(
        &transport,
        &host,
        GraphSettings::new(&creds.tenant_id, &creds.client_id).with_bases(BASE, BASE),
        Secret::new(creds.client_secret),
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let deadline = Deadline::after(host.now_ms(), 3_600_000);
        println!("tenant: {users} users, {groups} groups");
        let u = sweep_users(&client, &emu, DeltaStart::Full, deadline).await;
        report("full users sweep", &u, users);
        let g = sweep_groups(&client, &emu, DeltaStart::Full, deadline).await;
        report("full groups sweep", &g, users);
        println!(
            "full import reads: {} Graph requests ({:.2} per 1,000 users)",
            u.requests + g.requests,
            (u.requests + g.requests) as f64 * 1000.0 / users as f64
        );
        // 1% of the users move (usageLocation: cloud-mastered, so synced
        // users take the change too).
        for i in (0..users).step_by(100) {
            let id = format!("5ca1e000-0000-4000-8000-{i:012x}");
            let mut changes = Map::new();
            changes.insert("usageLocation".into(), json!("NL"));
            let request: GraphRequest = users::update_user(&id, changes);
            client.send(&request, deadline).await.expect("update");
        }
        let u2 = sweep_users(&client, &emu, DeltaStart::From(u.delta_link), deadline).await;
        report("incremental users sweep after 1% changed", &u2, users);
        let g2 = sweep_groups(&client, &emu, DeltaStart::From(g.delta_link), deadline).await;
        report("incremental groups sweep", &g2, users);
    });
}
