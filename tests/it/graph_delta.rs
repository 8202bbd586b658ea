//! `graph::delta` against the in-process emulator: full sweeps over pages
//! (users with managers, groups with member slices merged), incremental
//! sweeps after changes, an expired token, throttled pages.

use crate::support::{run, Harness};
use entra_connect::graph::delta::{
    groups_page, users_page, DeltaError, DeltaGroup, DeltaItem, DeltaNext, DeltaStart, DeltaUser,
    MemberKind, RemovedReason,
};
use entra_connect::graph::resources::{deleted_items, groups, users};
use entra_connect::graph::{ClientError, Deadline, GraphRequest};
use entra_connect::host::Host;
use entra_emulator::{Emulator, Faults, ThrottleFault, UnavailableFault};
use serde_json::{json, Map};
use std::collections::{BTreeMap, BTreeSet};

const ADELE: &str = "adele.vance@contoso.example";
const LEE: &str = "lee.gu@contoso.example";

/// A whole sweep: every page's items, the pages read and the deltaLink.
async fn users_sweep(
    h: &Harness,
    start: DeltaStart,
    deadline: Deadline,
) -> Result<(Vec<DeltaItem<DeltaUser>>, usize, String), DeltaError> {
    let client = h.client();
    let (mut items, mut pages, mut start) = (Vec::new(), 0, start);
    loop {
        let page = users_page(&client, &start, deadline).await?;
        pages += 1;
        items.extend(page.items);
        match page.next {
            DeltaNext::More(next) => start = DeltaStart::Page(next),
            DeltaNext::Done(link) => return Ok((items, pages, link)),
        }
    }
}

async fn groups_sweep(
    h: &Harness,
    start: DeltaStart,
) -> (Vec<DeltaItem<DeltaGroup>>, usize, String) {
    let client = h.client();
    let (mut items, mut pages, mut start) = (Vec::new(), 0, start);
    loop {
        let page = groups_page(&client, &start, h.deadline()).await.unwrap();
        pages += 1;
        items.extend(page.items);
        match page.next {
            DeltaNext::More(next) => start = DeltaStart::Page(next),
            DeltaNext::Done(link) => return (items, pages, link),
        }
    }
}

fn changed<T: Clone>(items: &[DeltaItem<T>]) -> Vec<T> {
    items
        .iter()
        .filter_map(|i| match i {
            DeltaItem::Changed(t) => Some(t.clone()),
            DeltaItem::Removed { .. } => None,
        })
        .collect()
}

async fn send(h: &Harness, request: GraphRequest) {
    h.client().send(&request, h.deadline()).await.unwrap();
}

#[test]
fn a_full_sweep_reads_every_user_and_manager_over_pages() {
    run(async {
        let h = Harness::on(Emulator::scaled(450, 20).unwrap());
        let (items, pages, link) = users_sweep(&h, DeltaStart::Full, h.deadline())
            .await
            .unwrap();
        assert_eq!(pages, 3, "200 users a page");
        assert_eq!(h.round_trips(), 3);
        assert!(link.contains("$deltatoken="));
        let users = changed(&items);
        assert_eq!(users.len(), 450);
        let ids: BTreeSet<&str> = users.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(ids.len(), 450, "each user once");
        for u in &users {
            let stored = h.emu.user(&u.id).unwrap();
            let manager = stored["manager"].as_str().map(str::to_string);
            // No manager: no manager@delta in a full sweep.
            assert_eq!(u.manager_id, manager.map(Some), "{}", u.id);
            assert_eq!(u.department.as_deref(), stored["department"].as_str());
            assert_eq!(
                u.user_principal_name.as_deref(),
                stored["userPrincipalName"].as_str()
            );
        }
        assert!(users
            .iter()
            .any(|u| u.user_type.as_deref() == Some("Guest")));
        assert!(users
            .iter()
            .any(|u| u.on_premises_sync_enabled == Some(true)));
    });
}

#[test]
fn a_full_group_sweep_merges_the_slices_of_large_groups() {
    run(async {
        let h = Harness::on(Emulator::scaled(1200, 40).unwrap());
        let (items, pages, _) = groups_sweep(&h, DeltaStart::Full).await;
        let mut members: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut occurrences: BTreeMap<String, usize> = BTreeMap::new();
        let mut nested = 0;
        for g in changed(&items) {
            *occurrences.entry(g.id.clone()).or_default() += 1;
            nested += g
                .members_added
                .iter()
                .filter(|m| m.kind == MemberKind::Group)
                .count();
            members
                .entry(g.id.clone())
                .or_default()
                .extend(g.members_added.into_iter().map(|m| m.id));
        }
        assert_eq!(members.len(), 40);
        assert!(pages > 1);
        assert!(
            occurrences.values().any(|n| *n > 1),
            "a large group spans pages"
        );
        assert!(nested >= 2, "nested groups are members of kind Group");
        for (id, got) in &members {
            let want: BTreeSet<String> = h.emu.group_member_ids(id).into_iter().collect();
            assert_eq!(got, &want, "{id}");
        }
    });
}

#[test]
fn an_incremental_sweep_reads_only_what_changed() {
    run(async {
        let h = Harness::new();
        let (_, _, users_link) = users_sweep(&h, DeltaStart::Full, h.deadline())
            .await
            .unwrap();
        let (_, _, groups_link) = groups_sweep(&h, DeltaStart::Full).await;
        let adele = h.user_id(ADELE);
        let lee = h.user_id(LEE);
        let root = "https://graph.microsoft.com/v1.0";

        // An attribute change, a manager change, a new user, a removed user,
        // a member added and one removed.
        let mut title = Map::new();
        title.insert("jobTitle".into(), json!("Account Lead"));
        send(&h, users::update_user(&adele, title)).await;
        let new_manager = h.user_id("emily.braun@contoso.example");
        send(&h, users::set_manager(&lee, root, &new_manager)).await;
        let created = h
            .client()
            .send(
                &GraphRequest::post(
                    "/users",
                    Some(json!({
                        "accountEnabled": true, "displayName": "Rowan Ellery",
                        "mailNickname": "rowan.ellery", "userPrincipalName": "rowan.ellery@contoso.example",
                        "passwordProfile": {"password": "Xw7!kq#Lm2pz", "forceChangePasswordNextSignIn": true}
                    })),
                ),
                h.deadline(),
            )
            .await
            .unwrap();
        let rowan = created.body["id"].as_str().unwrap().to_string();
        let leaver = h.user_id("ben.walters@contoso.example");
        let finance = h.group("Finance");
        let leaver_in_finance = h.is_member(&finance, &leaver);
        send(&h, deleted_items::delete_user(&leaver)).await;
        let leaving = h.emu.group_member_ids(finance.as_str())[0].clone();
        send(
            &h,
            groups::add_member(
                finance.as_str(),
                &format!("{root}/directoryObjects/{adele}"),
            ),
        )
        .await;
        send(&h, groups::remove_member(finance.as_str(), &leaving)).await;

        h.emu.clear_log();
        let (items, pages, _) = users_sweep(&h, DeltaStart::From(users_link), h.deadline())
            .await
            .unwrap();
        assert_eq!(pages, 1);
        let users: BTreeMap<String, DeltaUser> = changed(&items)
            .into_iter()
            .map(|u| (u.id.clone(), u))
            .collect();
        assert_eq!(users[&adele].job_title.as_deref(), Some("Account Lead"));
        assert_eq!(users[&adele].manager_id, None, "manager unchanged");
        assert_eq!(users[&lee].manager_id, Some(Some(new_manager.clone())));
        assert_eq!(users[&rowan].display_name.as_deref(), Some("Rowan Ellery"));
        assert!(items.contains(&DeltaItem::Removed {
            id: leaver.clone(),
            reason: RemovedReason::Changed
        }));
        // Only those, and the leaver's reports (their manager is gone).
        for (id, u) in &users {
            if ![&adele, &lee, &rowan].contains(&id) {
                assert_eq!(u.manager_id, Some(None), "{id}");
            }
        }

        let (items, _, _) = groups_sweep(&h, DeltaStart::From(groups_link)).await;
        let groups: BTreeMap<String, DeltaGroup> = changed(&items)
            .into_iter()
            .map(|g| (g.id.clone(), g))
            .collect();
        let finance_now = &groups[finance.as_str()];
        assert_eq!(
            finance_now
                .members_added
                .iter()
                .map(|m| m.id.as_str())
                .collect::<Vec<_>>(),
            vec![adele.as_str()]
        );
        let mut removed_from_finance = BTreeSet::from([leaving.as_str()]);
        if leaver_in_finance {
            removed_from_finance.insert(leaver.as_str());
        }
        assert_eq!(
            finance_now
                .members_removed
                .iter()
                .map(|m| m.id.as_str())
                .collect::<BTreeSet<_>>(),
            removed_from_finance
        );
        // The leaver left every group they were in; no other group changed.
        for (id, g) in &groups {
            if id != finance.as_str() {
                assert!(g.members_added.is_empty(), "{id}");
                assert_eq!(
                    g.members_removed
                        .iter()
                        .map(|m| m.id.as_str())
                        .collect::<Vec<_>>(),
                    vec![leaver.as_str()],
                    "{id}"
                );
            }
        }
    });
}

#[test]
fn an_expired_delta_link_is_expired_and_a_full_sweep_starts_over() {
    run(async {
        let h = Harness::new();
        let (_, _, link) = users_sweep(&h, DeltaStart::Full, h.deadline())
            .await
            .unwrap();
        // Directory delta tokens live 7 days.
        h.host.advance(7 * 24 * 3600 * 1000 + 1);
        let error = users_sweep(&h, DeltaStart::From(link), h.deadline())
            .await
            .unwrap_err();
        assert_eq!(error, DeltaError::Expired);
        let (items, _, _) = users_sweep(&h, DeltaStart::Full, h.deadline())
            .await
            .unwrap();
        assert_eq!(changed(&items).len(), h.user_count());
    });
}

#[test]
fn throttled_pages_are_retried_within_the_deadline() {
    run(async {
        let h = Harness::on(Emulator::scaled(1000, 10).unwrap());
        h.emu.set_faults(Faults {
            throttle: Some(ThrottleFault {
                requests_per_second: 1,
                retry_after_seconds: 1.5,
            }),
            ..Faults::default()
        });
        let (items, pages, _) = users_sweep(&h, DeltaStart::Full, h.deadline())
            .await
            .unwrap();
        assert_eq!(pages, 5);
        assert_eq!(changed(&items).len(), 1000, "nothing lost or repeated");
        let throttled = h.graph_log().iter().filter(|l| l.status == 429).count();
        assert!(throttled > 0, "the storm throttled some pages");

        // A deadline too close for the wait Graph asks for: the page is
        // deferred, to be read again from the same link later.
        h.emu.set_faults(Faults::default());
        let first = users_page(&h.client(), &DeltaStart::Full, h.deadline())
            .await
            .unwrap();
        let DeltaNext::More(next) = first.next else {
            panic!("more pages")
        };
        h.emu.set_faults(Faults {
            unavailable: Some(UnavailableFault {
                count: 1,
                retry_after_seconds: Some(3.0),
                method: None,
                path_prefix: Some("/v1.0/users/delta".into()),
            }),
            ..Faults::default()
        });
        let tight = Deadline::after(h.host.now_ms(), 500);
        let error = users_page(&h.client(), &DeltaStart::Page(next.clone()), tight)
            .await
            .unwrap_err();
        assert!(
            matches!(error, DeltaError::Graph(ClientError::Deferred { .. })),
            "{error:?}"
        );
        h.host.advance(3000);
        let again = users_page(&h.client(), &DeltaStart::Page(next), h.deadline())
            .await
            .unwrap();
        assert_eq!(again.items.len(), 200);
    });
}
