//! The schema-and-mapping document the app owns, held to Atlassian's
//! 2023_10_19 JSON Schema (validated with the `jsonschema` crate, draft
//! 2019-09), to the rules of the "External Imports - Schema and mapping"
//! guide (<https://developer.atlassian.com/cloud/assets/imports-rest-api-guide/schema-and-mapping/>:
//! external ids on every object type and attribute or none, unique), and
//! to the records the run sends (every record key is a locator of its
//! selector; a full record has them all). Also: `manifest.yml` declares
//! the Assets scopes, which Forge's linter does not check for Assets
//! paths.

use entra_connect::assets::mapping::{self, GROUPS_SELECTOR, USERS_SELECTOR};
use entra_connect::assets::records;
use entra_connect::graph::delta::{DeltaGroup, DeltaUser};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

const IMPORT: &str = "176494de-845d-449e-83ae-532c6ed97524";

fn schema() -> Value {
    serde_json::from_str(include_str!(
        "../fixtures/assets/imports-schema-and-mapping.2023_10_19.schema.json"
    ))
    .unwrap()
}

fn locators_in_document(doc: &Value, selector: &str) -> BTreeSet<String> {
    doc["mapping"]["objectTypeMappings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["selector"] == selector)
        .unwrap()["attributesMapping"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a["attributeLocators"].as_array().unwrap().clone())
        .map(|l| l.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_document_validates_against_the_2023_10_19_schema() {
    let validator = jsonschema::draft201909::new(&schema()).expect("the official schema compiles");
    let doc = mapping::document(IMPORT);
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema errors: {errors:#?}");
}

#[test]
fn the_validator_catches_a_broken_document() {
    // The test above is only worth something if the validator refuses
    // what the schema refuses: an attribute type Assets does not have.
    let validator = jsonschema::draft201909::new(&schema()).unwrap();
    let mut doc = mapping::document(IMPORT);
    doc["schema"]["objectSchema"]["objectTypes"][0]["attributes"][0]["type"] = "user".into();
    assert!(!validator.is_valid(&doc));
}

#[test]
fn every_object_type_and_attribute_has_a_unique_external_id_of_this_import() {
    let doc = mapping::document(IMPORT);
    let mut ids = Vec::new();
    for t in doc["schema"]["objectSchema"]["objectTypes"]
        .as_array()
        .unwrap()
    {
        ids.push(t["externalId"].as_str().unwrap().to_string());
        for a in t["attributes"].as_array().unwrap() {
            ids.push(a["externalId"].as_str().unwrap().to_string());
        }
    }
    let unique: BTreeSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "external ids repeat");
    assert!(ids
        .iter()
        .all(|id| id.starts_with(&format!("entra-connect:{IMPORT}:"))));
    // Each mapping names existing attributes by external id, and exactly
    // one attribute per type is the object's identity.
    for m in doc["mapping"]["objectTypeMappings"].as_array().unwrap() {
        let parts = m["attributesMapping"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["externalIdPart"] == true)
            .count();
        assert_eq!(parts, 1, "{}", m["selector"]);
        for a in m["attributesMapping"].as_array().unwrap() {
            assert!(unique.contains(&a["attributeExternalId"].as_str().unwrap().to_string()));
        }
    }
}

#[test]
fn references_resolve_by_the_unique_entra_object_id() {
    let doc = mapping::document(IMPORT);
    let mut references = Vec::new();
    for m in doc["mapping"]["objectTypeMappings"].as_array().unwrap() {
        for a in m["attributesMapping"].as_array().unwrap() {
            if let Some(iql) = a["objectMappingIQL"].as_str() {
                let locator = a["attributeLocators"][0].as_str().unwrap();
                assert_eq!(iql, format!("\"Entra Object ID\" IN (${{{locator}}})"));
                references.push(format!(
                    "{}.{}",
                    m["objectTypeName"].as_str().unwrap(),
                    a["attributeName"].as_str().unwrap()
                ));
            }
        }
    }
    let set: BTreeSet<&str> = references.iter().map(String::as_str).collect();
    assert_eq!(
        set,
        BTreeSet::from([
            "Entra User.Manager",
            "Entra User.Member Of",
            "Entra Group.Member Of"
        ])
    );
    for t in doc["schema"]["objectSchema"]["objectTypes"]
        .as_array()
        .unwrap()
    {
        let object_id = t["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == "Entra Object ID")
            .unwrap();
        assert_eq!(object_id["unique"], true);
        assert_eq!(object_id["type"], "text");
    }
}

fn keys(record: &Value) -> BTreeSet<String> {
    record.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn record_keys_are_exactly_the_mapping_locators() {
    let doc = mapping::document(IMPORT);
    let user = DeltaUser {
        id: "87d349ed-44d7-43e1-9a83-5f2406dee5bd".into(),
        display_name: Some("Adele Vance".into()),
        manager_id: Some(Some("5bde3e51-d13b-4db1-9948-fe4b109d11a7".into())),
        ..DeltaUser::default()
    };
    let full_user = records::user_record(&user, &["g1".into()], &["All Retail".into()]);
    assert_eq!(keys(&full_user), locators_in_document(&doc, USERS_SELECTOR));
    let mut kept = Map::new();
    records::merge_group(
        &mut kept,
        &DeltaGroup {
            id: "g1".into(),
            display_name: Some("All Retail".into()),
            ..DeltaGroup::default()
        },
    );
    let full_group = records::group_record("g1", &kept, 3, &[]);
    assert_eq!(
        keys(&full_group),
        locators_in_document(&doc, GROUPS_SELECTOR)
    );
    // The partial records of incremental runs use locators only.
    for partial in [
        records::membership_record("u1", &[], &[]),
        records::removed_record("u1", Some("Adele"), true),
    ] {
        assert!(keys(&partial).is_subset(&locators_in_document(&doc, USERS_SELECTOR)));
    }
    assert!(keys(&records::removed_record("g1", None, false))
        .is_subset(&locators_in_document(&doc, GROUPS_SELECTOR)));
    // The module's own list of locators is the document's.
    for selector in [USERS_SELECTOR, GROUPS_SELECTOR] {
        let listed: BTreeSet<String> = mapping::locators(selector)
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(listed, locators_in_document(&doc, selector));
    }
}

#[test]
fn the_example_chunks_use_the_same_locators() {
    // `../shared/reference/assets/examples/` chunks must stay processable
    // against this mapping (the fake Assets site accepts either): every
    // key of theirs that this mapping drops is named here.
    let doc = mapping::document(IMPORT);
    let example_user = [
        "id",
        "displayName",
        "userPrincipalName",
        "mail",
        "givenName",
        "surname",
        "jobTitle",
        "department",
        "companyName",
        "officeLocation",
        "employeeId",
        "employeeType",
        "userType",
        "accountEnabled",
        "status",
        "usageLocation",
        "createdDateTime",
        "employeeHireDate",
        "onPremisesSyncEnabled",
        "managerId",
        "memberOf",
        "groupNames",
    ];
    let ours = locators_in_document(&doc, USERS_SELECTOR);
    for key in example_user {
        assert!(ours.contains(key), "{key}");
    }
}

#[test]
fn the_manifest_declares_the_assets_scopes_and_module() {
    let manifest = include_str!("../../manifest.yml");
    let scopes = manifest
        .split("\n  scopes:\n")
        .nth(1)
        .expect("a scopes list");
    let scopes: Vec<&str> = scopes
        .lines()
        .take_while(|l| l.starts_with("    ") || l.trim().is_empty())
        .filter_map(|l| l.trim().strip_prefix("- "))
        .collect();
    for scope in ["import:import-configuration:cmdb", "read:cmdb-object:jira"] {
        assert!(scopes.contains(&scope), "{scope} missing from {scopes:?}");
    }
    for line in [
        "jiraServiceManagement:assetsImportType:",
        "- key: entra-assets-import",
        "queue: assets-import",
        "- key: assets-import-schedule",
        "handler: index.assetsImportConsumer",
    ] {
        assert!(manifest.contains(line), "{line}");
    }
}
