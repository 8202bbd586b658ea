//! The architecture's invariants, checked on the source tree
//! (ARCHITECTURE.md, "Invariants"):
//! - a top-level module imports only modules declared before it in
//!   `src/lib.rs` (the layers), and ARCHITECTURE.md lists them in that order;
//! - no I/O outside the `Host` and `Transport` ports;
//! - every change to Entra goes through the one operation pipeline;
//! - a `Secret` can be neither displayed nor serialised.

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `pub mod NAME;` lines of src/lib.rs, in order.
fn layers() -> Vec<String> {
    let lib = fs::read_to_string(root().join("src/lib.rs")).unwrap();
    lib.lines()
        .filter_map(|line| line.trim().strip_prefix("pub mod "))
        .map(|rest| rest.split(';').next().unwrap().trim().to_string())
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The files of one top-level module: `src/NAME.rs` or `src/NAME/**.rs`.
fn module_files(name: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let file = root().join("src").join(format!("{name}.rs"));
    if file.exists() {
        files.push(file);
    }
    let dir = root().join("src").join(name);
    if dir.is_dir() {
        rust_files(&dir, &mut files);
    }
    files
}

/// Code lines (comments and doc comments dropped) with their numbers.
fn code_lines(path: &Path) -> Vec<(usize, String)> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .map(|(i, l)| (i + 1, l.split(" // ").next().unwrap().to_string()))
        .collect()
}

/// Every `crate::NAME` a line mentions.
fn crate_refs(line: &str) -> Vec<String> {
    line.match_indices("crate::")
        .filter(|(i, _)| {
            // `entra_connect::` is not `crate::`; neither is `foo_crate::`.
            *i == 0 || !line[..*i].ends_with(|c: char| c.is_alphanumeric() || c == '_')
        })
        .map(|(i, m)| {
            line[i + m.len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

#[test]
fn every_module_imports_only_layers_declared_before_it() {
    let order = layers();
    assert!(
        order.len() > 10,
        "src/lib.rs declares the modules: {order:?}"
    );
    let mut violations = Vec::new();
    for (rank, module) in order.iter().enumerate() {
        for file in module_files(module) {
            for (number, line) in code_lines(&file) {
                for target in crate_refs(&line) {
                    let Some(target_rank) = order.iter().position(|m| *m == target) else {
                        continue;
                    };
                    if target_rank > rank {
                        violations.push(format!(
                            "{}:{number}: `{module}` imports `{target}`, a layer above it",
                            file.strip_prefix(root()).unwrap().display()
                        ));
                    }
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "layer violations:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_layering_rule_catches_an_upward_import() {
    // The checker itself: an upward reference is seen, a doc mention and
    // another crate's path are not.
    assert_eq!(crate_refs("use crate::pipeline::run;"), ["pipeline"]);
    assert_eq!(
        crate_refs("x(entra_connect::audit::y)"),
        Vec::<String>::new()
    );
    assert_eq!(
        crate_refs("a = crate::graph::x + crate::host::y"),
        ["graph", "host"]
    );
}

#[test]
fn architecture_md_lists_the_layers_in_the_order_lib_rs_declares_them() {
    let doc = fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let section = doc
        .split("## Code map")
        .nth(1)
        .expect("ARCHITECTURE.md has a '## Code map' section");
    let section = section.split("\n## ").next().unwrap();
    let listed: Vec<String> = section
        .lines()
        .filter_map(|l| l.strip_prefix("### `"))
        .filter_map(|l| l.split('`').next())
        .map(|name| {
            name.trim_start_matches("src/")
                .trim_end_matches('/')
                .to_string()
        })
        .filter(|name| !name.ends_with(".js") && !name.is_empty())
        .collect();
    assert_eq!(
        listed,
        layers(),
        "the code map's headings follow src/lib.rs"
    );
}

#[test]
fn no_io_outside_the_host_and_transport_ports() {
    // The wasm module implements the ports over JS; everything else reaches
    // the world only through `Host` and `Transport`.
    let forbidden = [
        "std::fs",
        "std::net",
        "std::process",
        "std::env",
        "std::time::SystemTime",
        "Instant::now",
        "SystemTime::now",
        "tokio::",
    ];
    let mut hits = Vec::new();
    for module in layers().iter().filter(|m| *m != "wasm") {
        for file in module_files(module) {
            for (number, line) in code_lines(&file) {
                for word in forbidden {
                    if line.contains(word) && !line.trim_start().starts_with("#[cfg(test)]") {
                        hits.push(format!(
                            "{}:{number}: {word}",
                            file.strip_prefix(root()).unwrap().display()
                        ));
                    }
                }
            }
        }
    }
    assert!(
        hits.is_empty(),
        "I/O outside the ports:\n{}",
        hits.join("\n")
    );
}

#[test]
fn only_the_pipeline_runs_the_lifecycle_procedures_that_change_entra() {
    let procedures = [
        "create",
        "update",
        "disable",
        "enable",
        "revoke_sessions",
        "add_to_group",
        "remove_from_group",
        "transfer",
        "offboard",
        "reset_password",
        "create_temporary_access_pass",
    ];
    let mut hits = Vec::new();
    for module in layers()
        .iter()
        .filter(|m| *m != "lifecycle" && *m != "pipeline")
    {
        for file in module_files(module) {
            for (number, line) in code_lines(&file) {
                for name in procedures {
                    let call = format!("lifecycle::{name}(");
                    let import = format!("lifecycle::{{{name}");
                    if line.contains(&call) || line.contains(&import) {
                        hits.push(format!(
                            "{}:{number}: lifecycle::{name}",
                            file.strip_prefix(root()).unwrap().display()
                        ));
                    }
                }
            }
        }
    }
    assert!(
        hits.is_empty(),
        "changes to Entra outside the pipeline:\n{}",
        hits.join("\n")
    );
}

// A `Secret` can be neither displayed nor serialised: these fail to compile
// if anyone adds `Display` or `Serialize` to it.
static_assertions::assert_not_impl_any!(entra_connect::secret::Secret: std::fmt::Display, serde::Serialize);

#[test]
fn graph_paths_are_spelled_only_in_the_graph_resources() {
    // Each Graph call is built once, in src/graph/resources, with its
    // Microsoft Learn page and least permission. Following an
    // `@odata.nextLink` (a URL Graph handed back) is not a new call.
    let verbs = ["get", "post", "patch", "put", "delete"];
    let mut hits = Vec::new();
    for module in layers().iter().filter(|m| *m != "graph") {
        for file in module_files(module) {
            let text = fs::read_to_string(&file).unwrap();
            // Unit tests inside a module may build requests by hand.
            let code = text.split("#[cfg(test)]").next().unwrap();
            for (index, line) in code.lines().enumerate() {
                if line.trim_start().starts_with("//") {
                    continue;
                }
                for verb in verbs {
                    let literal = format!("GraphRequest::{verb}(\"");
                    let built = format!("GraphRequest::{verb}(format!");
                    if line.contains(&literal) || line.contains(&built) {
                        hits.push(format!(
                            "{}:{}: {}",
                            file.strip_prefix(root()).unwrap().display(),
                            index + 1,
                            line.trim()
                        ));
                    }
                }
            }
        }
    }
    assert!(
        hits.is_empty(),
        "Graph paths outside src/graph/resources:\n{}",
        hits.join("\n")
    );
}
