//! The membership index an import keeps in storage: member id -> the
//! groups it is a direct member of (`import:{importId}:mo:{00..ff}`) and
//! group id -> what is kept of the group (`import:{importId}:grp:{00..ff}`),
//! each in 256 shards by the first byte of the id's SHA-256, so no value
//! nears Forge's 240 KiB and a step reads all of it in a few key queries. A
//! step works on it in memory and writes back only the shards it changed.

use crate::host::{Host, HostError, KeyQuery};
use crate::layout;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The shard of an id: the first byte of its SHA-256. Not the id's own
/// first byte: Entra's object ids are random, but ids made in sequence
/// (a scaled test tenant, a migration) share their first bytes and would
/// all land in one shard, past Forge's 240 KiB value limit.
pub fn shard_of(id: &str) -> u8 {
    use sha2::{Digest, Sha256};
    Sha256::digest(id.as_bytes())[0]
}

/// One `T` per shard, indexed by the shard's byte: a slot for each of the
/// 256 shards, so no ordered map of shard numbers is compiled for each `T`
/// (an empty `BTreeMap` slot does not allocate).
#[derive(Debug)]
struct Shards<T>(Vec<T>);

impl<T: Default> Default for Shards<T> {
    fn default() -> Self {
        Shards((0..=u8::MAX).map(|_| T::default()).collect())
    }
}

impl<T> Shards<T> {
    fn get(&self, shard: u8) -> &T {
        &self.0[usize::from(shard)]
    }

    fn get_mut(&mut self, shard: u8) -> &mut T {
        &mut self.0[usize::from(shard)]
    }

    /// Every slot with its shard, in shard order.
    fn iter_mut(&mut self) -> impl Iterator<Item = (u8, &mut T)> {
        (0..=u8::MAX).zip(self.0.iter_mut())
    }
}

impl Shards<bool> {
    /// The shards marked, in order, leaving none marked.
    fn take_marked(&mut self) -> Vec<u8> {
        let marked = (0..=u8::MAX).filter(|&s| *self.get(s)).collect();
        self.0.fill(false);
        marked
    }
}

/// The index of one import, in memory.
#[derive(Debug, Default)]
pub struct MembershipIndex {
    member_of: Shards<BTreeMap<String, Vec<String>>>,
    groups: Shards<BTreeMap<String, Map<String, Value>>>,
    dirty_member_of: Shards<bool>,
    dirty_groups: Shards<bool>,
}

async fn read_shards<T: Default + for<'de> serde::Deserialize<'de>>(
    host: &impl Host,
    prefix: &str,
) -> Result<Shards<T>, HostError> {
    let mut out = Shards::default();
    let mut cursor = None;
    loop {
        let mut query = KeyQuery::prefix(prefix, crate::host::storage::MAX_QUERY_LIMIT);
        query.cursor = cursor;
        let page = host.kvs_query(&query).await?;
        for entry in page.results {
            let Some(shard) = entry
                .key
                .strip_prefix(prefix)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            else {
                continue;
            };
            let value = serde_json::from_value(entry.value).map_err(|e| HostError::Storage {
                operation: "query",
                key: entry.key.clone(),
                reason: format!("unreadable shard: {e}"),
            })?;
            *out.get_mut(shard) = value;
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(out),
        }
    }
}

impl MembershipIndex {
    /// Reads every shard of the import.
    pub async fn load(host: &impl Host, import_id: &str) -> Result<Self, HostError> {
        Ok(MembershipIndex {
            member_of: read_shards(host, &layout::import_member_of_prefix(import_id)).await?,
            groups: read_shards(host, &layout::import_groups_prefix(import_id)).await?,
            ..MembershipIndex::default()
        })
    }

    /// Forgets everything (a full sweep rebuilds it); the stored shards go
    /// at the next [`MembershipIndex::save`].
    pub fn clear(&mut self) {
        // A shard left empty in memory was marked when it was emptied.
        for (shard, entries) in self.member_of.iter_mut() {
            if !entries.is_empty() {
                *self.dirty_member_of.get_mut(shard) = true;
                entries.clear();
            }
        }
        for (shard, entries) in self.groups.iter_mut() {
            if !entries.is_empty() {
                *self.dirty_groups.get_mut(shard) = true;
                entries.clear();
            }
        }
    }

    /// What is kept of a group, created empty if new.
    pub fn group_mut(&mut self, id: &str) -> &mut Map<String, Value> {
        let shard = shard_of(id);
        *self.dirty_groups.get_mut(shard) = true;
        self.groups
            .get_mut(shard)
            .entry(id.to_string())
            .or_default()
    }

    /// What is kept of a group, if it is imported.
    pub fn group(&self, id: &str) -> Option<&Map<String, Value>> {
        self.groups.get(shard_of(id)).get(id)
    }

    /// Every imported group id, in order.
    pub fn group_ids(&self) -> Vec<String> {
        self.groups
            .0
            .iter()
            .flat_map(|s| s.keys().cloned())
            .collect()
    }

    /// Records `member` as a direct member of `group`.
    pub fn add_member(&mut self, group: &str, member: &str) {
        let shard = shard_of(member);
        let groups = self
            .member_of
            .get_mut(shard)
            .entry(member.to_string())
            .or_default();
        if !groups.iter().any(|g| g == group) {
            groups.push(group.to_string());
            groups.sort();
            *self.dirty_member_of.get_mut(shard) = true;
        }
    }

    /// Records that `member` left `group`.
    pub fn remove_member(&mut self, group: &str, member: &str) {
        let shard = shard_of(member);
        let members = self.member_of.get_mut(shard);
        if let Some(groups) = members.get_mut(member) {
            groups.retain(|g| g != group);
            if groups.is_empty() {
                members.remove(member);
            }
            *self.dirty_member_of.get_mut(shard) = true;
        }
    }

    /// Removes a group that left Entra: its kept record, its own
    /// memberships and every membership in it. Answers the members it had.
    pub fn remove_group(&mut self, id: &str) -> Vec<String> {
        let shard = shard_of(id);
        if self.groups.get_mut(shard).remove(id).is_some() {
            *self.dirty_groups.get_mut(shard) = true;
        }
        let mut members = Vec::new();
        for (shard, entries) in self.member_of.iter_mut() {
            let mut changed = false;
            entries.retain(|member, groups| {
                let before = groups.len();
                groups.retain(|g| g != id);
                if groups.len() != before {
                    changed = true;
                    members.push(member.clone());
                }
                member != id && !groups.is_empty()
            });
            if changed {
                *self.dirty_member_of.get_mut(shard) = true;
            }
        }
        members
    }

    /// The imported groups `member` is a direct member of, and their names.
    pub fn groups_of(&self, member: &str) -> (Vec<String>, Vec<String>) {
        let ids: Vec<String> = self
            .member_of
            .get(shard_of(member))
            .get(member)
            .into_iter()
            .flatten()
            .filter(|g| self.group(g).is_some())
            .cloned()
            .collect();
        let names = ids
            .iter()
            .map(|g| {
                self.group(g)
                    .and_then(|k| k.get("displayName"))
                    .and_then(Value::as_str)
                    .unwrap_or(g)
                    .to_string()
            })
            .collect();
        (ids, names)
    }

    /// Direct member count of every group (users, groups and others).
    pub fn member_counts(&self) -> MemberCounts<'_> {
        let mut memberships: Vec<&str> = self
            .member_of
            .0
            .iter()
            .flat_map(BTreeMap::values)
            .flatten()
            .map(String::as_str)
            .collect();
        memberships.sort_unstable();
        MemberCounts(memberships)
    }

    /// Writes the shards changed since loading (an emptied shard is
    /// deleted); answers how many storage calls that took.
    pub async fn save(&mut self, host: &impl Host, import_id: &str) -> Result<usize, HostError> {
        let mut calls = 0;
        for shard in self.dirty_member_of.take_marked() {
            let key = layout::import_member_of_key(import_id, shard);
            match Some(self.member_of.get(shard)).filter(|s| !s.is_empty()) {
                Some(entries) => host.kvs_set(&key, &serde_json::json!(entries)).await?,
                None => host.kvs_delete(&key).await?,
            }
            calls += 1;
        }
        for shard in self.dirty_groups.take_marked() {
            let key = layout::import_groups_key(import_id, shard);
            match Some(self.groups.get(shard)).filter(|s| !s.is_empty()) {
                Some(entries) => host.kvs_set(&key, &serde_json::json!(entries)).await?,
                None => host.kvs_delete(&key).await?,
            }
            calls += 1;
        }
        Ok(calls)
    }
}

/// Direct member counts of the groups, from [`MembershipIndex::member_counts`]:
/// every membership's group id, sorted (a sorted list rather than one more
/// kind of map in the wasm).
#[derive(Debug)]
pub struct MemberCounts<'a>(Vec<&'a str>);

impl MemberCounts<'_> {
    /// How many direct members `group` has (0 for a group nobody is in).
    pub fn of(&self, group: &str) -> u64 {
        let first = self.0.partition_point(|g| *g < group);
        let after = self.0.partition_point(|g| *g <= group);
        (after - first) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids that share their first bytes (sequential or prefixed ids, as a
    /// provisioning script or a scaled test tenant makes them) must still
    /// spread over the shards: one shard holding them all would pass
    /// Forge's 240 KiB value limit at about a thousand users.
    #[test]
    fn ids_with_a_common_prefix_spread_over_the_shards() {
        let mut per_shard = [0u32; 256];
        for i in 0..10_000u32 {
            per_shard[usize::from(shard_of(&format!("5ca1e000-0000-4000-8000-{i:012x}")))] += 1;
        }
        let fullest = per_shard.iter().max().copied().unwrap_or_default();
        assert!(
            fullest < 80,
            "the fullest shard holds {fullest} of 10,000 ids"
        );
        assert!(per_shard.iter().all(|&n| n > 0), "every shard is used");
    }

    #[test]
    fn a_shard_is_stable_for_an_id() {
        let id = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";
        assert_eq!(shard_of(id), shard_of(id));
    }
}
