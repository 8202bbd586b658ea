//! Group adds of different hires folded into one request per group.
//!
//! A chunk's hires each add themselves to their rule groups with their own
//! `POST /groups/{id}/members/$ref`, and every `$batch` item counts against
//! the tenant's throttle budget. When one envelope carries two or more such
//! adds to the same group, [`fold`] sends them as one
//! `PATCH /groups/{id}` with `members@odata.bind` (at most
//! [`MAX_MEMBERS_PER_PATCH`] members each; Learn's "Add members",
//! <https://learn.microsoft.com/en-us/graph/api/group-post-members?view=graph-rest-1.0>).
//!
//! That PATCH is all or nothing: one member already in (a redelivered
//! chunk), one object gone or a 429 refuses it whole, and nothing is added.
//! So [`Folded::unfold`] answers each folded add 204 only when the PATCH
//! succeeded; otherwise it hands the adds back to be sent alone, so each
//! hire gets the answer Graph gives its own add (400 "already exist", 404,
//! 429 with `Retry-After`) and its step reads it as it always has.

use crate::graph::resources::groups::{add_member_target, add_members, MAX_MEMBERS_PER_PATCH};
use serde_json::{json, Map, Value};

/// An envelope's requests with the adds folded, and what each PATCH
/// stands for.
#[derive(Debug, Default)]
pub(super) struct Folded {
    /// The `$batch` items to send: every request not folded, as given, then
    /// one PATCH per group (and per [`MAX_MEMBERS_PER_PATCH`] members).
    pub requests: Vec<Value>,
    /// Each PATCH's `$batch` id and the adds it carries.
    folds: Vec<(String, Vec<Value>)>,
}

/// The group a `$batch` item adds a member to, and the member URL, when
/// it is a plain add ([`add_member_target`]) that can share a PATCH: no
/// `dependsOn`, no header but `Content-Type`.
fn plain_add(entry: &Value) -> Option<(String, String)> {
    if entry
        .get("dependsOn")
        .and_then(Value::as_array)
        .is_some_and(|d| !d.is_empty())
    {
        return None;
    }
    if let Some(headers) = entry.get("headers") {
        let headers = headers.as_object()?;
        if headers
            .keys()
            .any(|k| !k.eq_ignore_ascii_case("content-type"))
        {
            return None;
        }
    }
    let (member, group) = add_member_target(
        entry.get("method")?.as_str()?,
        entry.get("url")?.as_str()?,
        entry.get("body")?,
    )?;
    Some((group, member.to_string()))
}

/// Folds `entries` (`$batch` items with ids unique in the envelope): the
/// plain adds to a group that two or more of them join become PATCHes of at
/// most [`MAX_MEMBERS_PER_PATCH`]; a lone add (or a last one left over)
/// stays as it is. PATCH ids are `bind.{n}`, apart from the callers'
/// numeric-prefixed ids.
pub(super) fn fold(entries: Vec<Value>) -> Folded {
    // Groups in the order first seen, so the envelope is deterministic.
    let mut by_group: Vec<(String, Vec<(String, Value)>)> = Vec::new();
    let mut requests = Vec::new();
    for entry in entries {
        match plain_add(&entry) {
            Some((group, member)) => match by_group.iter_mut().find(|(g, _)| *g == group) {
                Some((_, adds)) => adds.push((member, entry)),
                None => by_group.push((group, vec![(member, entry)])),
            },
            None => requests.push(entry),
        }
    }
    let mut folds = Vec::new();
    for (group, adds) in by_group {
        let mut adds = adds.into_iter().peekable();
        while adds.peek().is_some() {
            let part: Vec<(String, Value)> = adds.by_ref().take(MAX_MEMBERS_PER_PATCH).collect();
            if part.len() < 2 {
                requests.extend(part.into_iter().map(|(_, e)| e));
                continue;
            }
            let urls: Vec<String> = part.iter().map(|(m, _)| m.clone()).collect();
            let id = format!("bind.{}", folds.len());
            requests.push(entry_of(&id, &group, &urls));
            folds.push((id, part.into_iter().map(|(_, e)| e).collect()));
        }
    }
    Folded { requests, folds }
}

/// How many `$batch` items `entries` make once folded: per group joined by
/// plain adds, one per [`MAX_MEMBERS_PER_PATCH`] begun (a lone add is one
/// item too); every other entry one. What [`fold`] would send, counted
/// without building it.
pub(super) fn wire_len<'e>(entries: impl Iterator<Item = &'e Value>) -> usize {
    let mut others = 0;
    let mut by_group: Vec<(String, usize)> = Vec::new();
    for entry in entries {
        match plain_add(entry) {
            Some((group, _)) => match by_group.iter_mut().find(|(g, _)| *g == group) {
                Some((_, n)) => *n += 1,
                None => by_group.push((group, 1)),
            },
            None => others += 1,
        }
    }
    others
        + by_group
            .iter()
            .map(|(_, n)| n.div_ceil(MAX_MEMBERS_PER_PATCH))
            .sum::<usize>()
}

/// The `$batch` item of [`add_members`] (the path spelled there).
fn entry_of(id: &str, group: &str, urls: &[String]) -> Value {
    let request = add_members(group, urls);
    let mut entry = Map::new();
    entry.insert("id".into(), json!(id));
    entry.insert("method".into(), json!(request.method.as_str()));
    entry.insert("url".into(), json!(request.path));
    entry.insert(
        "headers".into(),
        json!({ "Content-Type": "application/json" }),
    );
    entry.insert("body".into(), request.body.unwrap_or(Value::Null));
    Value::Object(entry)
}

impl Folded {
    /// Adds folded into a PATCH.
    #[cfg(test)]
    fn folded(&self) -> usize {
        self.folds.iter().map(|(_, adds)| adds.len()).sum()
    }

    /// Turns the envelope's `responses` back into one per request given to
    /// [`fold`]: each PATCH's answer is removed; when it succeeded (2xx),
    /// each add it carried is answered 204 No Content, as Graph answers an
    /// add; otherwise (or when Graph left it unanswered) its adds are
    /// returned, to be sent again on their own.
    pub fn unfold(self, responses: &mut Vec<Value>) -> Vec<Value> {
        let mut again = Vec::new();
        for (id, adds) in self.folds {
            let answer = responses
                .iter()
                .position(|r| r["id"] == id.as_str())
                .map(|at| responses.remove(at));
            let ok = answer
                .as_ref()
                .and_then(|r| r["status"].as_u64())
                .is_some_and(|s| (200..300).contains(&s));
            if ok {
                responses.extend(adds.iter().map(|add| {
                    json!({ "id": add["id"].clone(), "status": 204, "headers": {}, "body": null })
                }));
            } else {
                again.extend(adds);
            }
        }
        again
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const G: &str = "6a2b0c1d-0000-4000-8000-00000000000a";
    const H: &str = "6a2b0c1d-0000-4000-8000-00000000000b";

    fn add(id: &str, group: &str, user: &str) -> Value {
        json!({
            "id": id, "method": "POST", "url": format!("/groups/{group}/members/$ref"),
            "headers": {"Content-Type": "application/json"},
            "body": {"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{user}")},
        })
    }

    #[test]
    fn adds_to_one_group_share_a_patch_and_a_lone_add_stays() {
        let folded = fold(vec![
            add("1.0", G, "u1"),
            add("2.0", G, "u2"),
            add("3.0", H, "u3"),
            json!({"id": "4.0", "method": "GET", "url": "/users/u4"}),
        ]);
        assert_eq!(folded.requests.len(), 3);
        let patch = folded
            .requests
            .iter()
            .find(|r| r["method"] == "PATCH")
            .unwrap();
        assert_eq!(patch["url"], format!("/groups/{G}"));
        assert_eq!(
            patch["body"]["members@odata.bind"],
            json!([
                "https://graph.microsoft.com/v1.0/directoryObjects/u1",
                "https://graph.microsoft.com/v1.0/directoryObjects/u2"
            ])
        );
        assert_eq!(folded.folded(), 2);
    }

    #[test]
    fn twenty_one_adds_make_one_patch_and_one_add() {
        let adds = (0..21).map(|i| add(&format!("{i}.0"), G, &format!("u{i}")));
        let folded = fold(adds.collect());
        assert_eq!(folded.requests.len(), 2);
        assert_eq!(
            folded.requests[0]["body"]["members@odata.bind"]
                .as_array()
                .unwrap()
                .len(),
            20
        );
        assert_eq!(folded.requests[1]["id"], "20.0");
    }

    #[test]
    fn adds_with_dependencies_or_other_headers_are_not_folded() {
        let mut a = add("1.0", G, "u1");
        a["dependsOn"] = json!(["1.1"]);
        let mut b = add("2.0", G, "u2");
        b["headers"]["If-Match"] = json!("*");
        let folded = fold(vec![a, b, add("3.0", G, "u3")]);
        assert_eq!(folded.folded(), 0);
        assert_eq!(folded.requests.len(), 3);
    }

    #[test]
    fn a_succeeded_patch_answers_each_add_and_a_refused_one_returns_them() {
        let folded = fold(vec![add("1.0", G, "u1"), add("2.0", G, "u2")]);
        let mut responses = vec![json!({"id": "bind.0", "status": 204})];
        assert!(folded.unfold(&mut responses).is_empty());
        let ids: Vec<&str> = responses
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["1.0", "2.0"]);
        assert!(responses.iter().all(|r| r["status"] == 204));

        let folded = fold(vec![add("1.0", G, "u1"), add("2.0", G, "u2")]);
        let mut responses =
            vec![json!({"id": "bind.0", "status": 429, "headers": {"Retry-After": "1"}})];
        let again = folded.unfold(&mut responses);
        assert!(responses.is_empty());
        assert_eq!(again, vec![add("1.0", G, "u1"), add("2.0", G, "u2")]);
    }
}
