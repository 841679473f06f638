//! The architecture invariants of ARCHITECTURE.md, checked.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Architecture Invariant: the pure crates depend on no I/O framework.
#[test]
fn pure_crates_do_no_io() {
    let out = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1"])
        .current_dir(workspace_root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: HashMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let nodes: HashMap<&str, Vec<&str>> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            // Normal (non-dev, non-build) dependencies only.
            let deps = n["deps"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| {
                    d["dep_kinds"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|k| k["kind"].is_null())
                })
                .map(|d| d["pkg"].as_str().unwrap())
                .collect();
            (n["id"].as_str().unwrap(), deps)
        })
        .collect();
    for pure in ["zhisu-codes", "zhisu-ledger", "zhisu-domain", "zhisu-epcis"] {
        let root = names
            .iter()
            .find(|(_, n)| **n == pure)
            .map(|(id, _)| *id)
            .unwrap();
        let mut seen = BTreeSet::new();
        let mut stack = vec![root];
        while let Some(id) = stack.pop() {
            if seen.insert(names[id]) {
                stack.extend(nodes[id].iter().copied());
            }
        }
        for forbidden in [
            "sqlx",
            "axum",
            "tokio",
            "hyper",
            "reqwest",
            "zhisu-store",
            "zhisu-service",
        ] {
            assert!(
                !seen.contains(forbidden),
                "{pure} depends on {forbidden} (through {seen:?})"
            );
        }
    }
}

/// Every source file starts with a `//!` line saying what it is for.
#[test]
fn every_source_file_says_what_it_is_for() {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(workspace_root().join("crates")).unwrap() {
        let krate = entry.unwrap().path();
        for sub in ["src", "tests"] {
            if krate.join(sub).is_dir() {
                walk(&krate.join(sub), &mut files);
            }
        }
    }
    assert!(files.len() > 30, "found only {} files", files.len());
    let missing: Vec<_> = files
        .iter()
        .filter(|f| {
            !std::fs::read_to_string(f)
                .unwrap()
                .trim_start()
                .starts_with("//!")
        })
        .collect();
    assert!(missing.is_empty(), "files without a //! line: {missing:?}");
}

/// The scan path answers from a cache that every record write clears
/// (`records_changed`). A write that forgot to clear it would let a frozen
/// or recalled code scan as genuine, so each write is followed by the call.
#[test]
fn every_record_write_clears_the_scan_cache() {
    let dir = workspace_root().join("crates/zhisu-service/src");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut rest = text.as_str();
        while let Some(at) = rest
            .find(".create_record(")
            .into_iter()
            .chain(rest.find(".update_record("))
            .chain(rest.find(".purge("))
            .min()
        {
            let after = &rest[at..];
            let statement_end = after.find("?;").expect("a write ends with ?;");
            let next = &after[statement_end..];
            let next_line = next.lines().nth(1).unwrap_or("").trim();
            assert!(
                next_line == "self.records_changed();"
                    || (next_line.starts_with("self.record_changed(RecordKind::")
                        && next_line.ends_with(");")),
                "{}: a record write is not followed by records_changed() or record_changed(kind, id): {next_line}",
                path.display()
            );
            rest = &after[statement_end..];
        }
    }
}

/// Every test docs/conformance.md names exists, in the crate it names: a
/// row cannot point at a test that was renamed or never written.
#[test]
fn every_test_the_conformance_table_names_exists() {
    fn sources(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let name = path.file_stem().unwrap().to_string_lossy().into_owned();
                out.push((name, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let root = workspace_root();
    let table = std::fs::read_to_string(root.join("docs/conformance.md")).unwrap();
    let mut checked = 0;
    for row in table
        .lines()
        .filter(|l| l.starts_with("| ") && l.matches('|').count() >= 5)
    {
        let tests = row.trim_end_matches('|').rsplit('|').next().unwrap();
        let mut krate = String::new();
        for (i, piece) in tests.split('`').enumerate() {
            if i % 2 == 0 {
                let word = piece.trim().trim_start_matches(',').trim();
                if let Some(w) = word.split_whitespace().last() {
                    if w.starts_with("zhisu") || w == "it" {
                        krate = w.to_string();
                    }
                }
                continue;
            }
            assert!(!krate.is_empty(), "{row}: `{piece}` names no crate");
            let dirs = if krate == "it" {
                vec![root.join("crates/zhisu/tests/it")]
            } else {
                vec![
                    root.join("crates").join(&krate).join("src"),
                    root.join("crates").join(&krate).join("tests"),
                ]
            };
            let mut files = Vec::new();
            for d in &dirs {
                sources(d, &mut files);
            }
            let segments: Vec<&str> = piece.split("::").collect();
            let last = *segments.last().unwrap();
            let found = if last == "*" {
                files.iter().any(|(name, _)| name == segments[0])
            } else {
                let module = segments[0];
                files.iter().any(|(name, text)| {
                    (name == module
                        || segments.len() > 2
                        || text.contains(&format!("mod {module}")))
                        && text.contains(&format!("fn {last}("))
                })
            };
            assert!(
                found,
                "docs/conformance.md names {krate} `{piece}`, which does not exist"
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} tests named");
}
