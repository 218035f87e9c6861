//! The shape of the core, checked: no two modules of `src/` depend on each other, directly or
//! through others (a module circle makes every change ripple), and `limits` is a leaf.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// `crate::X` references of each top-level module, outside comments and unit tests.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "bin") {
                    stack.push(path);
                }
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).unwrap();
            let top = rel
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string();
            if top == "lib" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]\nmod tests").next().unwrap();
            let deps = graph.entry(top.clone()).or_default();
            for line in code.lines() {
                let line = line.trim_start();
                if line.starts_with("//") {
                    continue;
                }
                for part in line.split("crate::").skip(1) {
                    let name: String = part
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                        .collect();
                    if !name.is_empty() && name != top {
                        deps.insert(name);
                    }
                }
            }
        }
    }
    graph
}

fn reaches(graph: &BTreeMap<String, BTreeSet<String>>, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut todo = vec![from.to_string()];
    while let Some(m) = todo.pop() {
        if m == to {
            return true;
        }
        if seen.insert(m.clone()) {
            todo.extend(graph.get(&m).into_iter().flatten().cloned());
        }
    }
    false
}

#[test]
fn no_module_circle() {
    let graph = module_graph();
    assert!(graph.len() > 10, "the source tree was read: {graph:?}");
    let mut circles = Vec::new();
    for (m, deps) in &graph {
        for d in deps {
            if reaches(&graph, d, m) {
                circles.push(format!("{m} -> {d} -> … -> {m}"));
            }
        }
    }
    assert!(circles.is_empty(), "module circles: {circles:#?}");
}

#[test]
fn limits_and_the_maths_are_leaves() {
    let graph = module_graph();
    assert_eq!(graph["limits"], BTreeSet::new());
    for leaf in ["activation", "loss", "tensor"] {
        let deps: Vec<_> = graph[leaf].iter().filter(|d| *d != "error").collect();
        assert!(deps.is_empty(), "{leaf} depends on {deps:?}");
    }
}
