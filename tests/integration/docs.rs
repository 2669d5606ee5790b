//! The generated reference pages of the book (`docs/src/reference/`) are
//! what the code says today: every page is rendered in memory from the code
//! (`icws_conformance::docs`) and compared with the file on disk. A page
//! that differs fails the test, which names it and the command that accepts
//! the new text: `ICWS_BLESS_DOCS=1 cargo test --test integration docs::` writes the
//! pages (refused under `CI=true`, where nothing is ever written).
//! Self-contained: it needs nothing but the library.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use icws_conformance::docs;

const DOCS_SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/src");

fn switched_on(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "on"
        )
    })
}

#[test]
fn generated_pages_match_the_code() {
    let bless = switched_on("ICWS_BLESS_DOCS");
    // CI as the harness itself decides it (CI or TF_BUILD, as insta does).
    let ci = icws_conformance::cli::args::Environment::read().ci;
    assert!(
        !(bless && ci),
        "ICWS_BLESS_DOCS is set under CI: generated pages are never written in CI; \
         run `{}` locally and commit the pages",
        docs::BLESS_COMMAND
    );
    let rows = docs::coverage_rows().expect("the coverage sweep");
    let pages = docs::pages(&rows);
    assert!(pages.len() >= 4, "{pages:?}");
    let mut differ = Vec::new();
    for page in &pages {
        assert!(
            page.text.starts_with("> Generated from ") && page.text.contains(docs::BLESS_COMMAND),
            "docs/src/{} does not say it is generated and how to regenerate it",
            page.path
        );
        let path = Path::new(DOCS_SRC).join(page.path);
        let on_disk = std::fs::read_to_string(&path).ok();
        if on_disk.as_deref() == Some(page.text.as_str()) {
            continue;
        }
        if bless {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &page.text).unwrap();
            eprintln!("wrote docs/src/{}", page.path);
        } else {
            differ.push(format!(
                "docs/src/{} {}",
                page.path,
                if on_disk.is_some() {
                    "differs from what the code generates"
                } else {
                    "is missing"
                }
            ));
        }
    }
    assert!(
        differ.is_empty(),
        "{}\nto accept the generated text, run: {} (and review the diff)",
        differ.join("\n"),
        docs::BLESS_COMMAND
    );
}

/// Every generated page is listed in the book's table of contents.
#[test]
fn generated_pages_are_in_the_summary() {
    let summary = std::fs::read_to_string(Path::new(DOCS_SRC).join("SUMMARY.md")).unwrap();
    for page in docs::pages(&[]) {
        assert!(
            summary.contains(&format!("]({})", page.path)),
            "docs/src/SUMMARY.md does not link {}",
            page.path
        );
    }
}
