//! Micro-benchmarks (divan): checking a catalogue (schema and ICWS rules)
//! against the floor of bare jsonschema validation of the same body, how the
//! check grows with the catalogue's size, and start-up (loading the shipped
//! cases and compiling the schemas). `cargo bench --bench check`; the
//! figures in docs/src/performance.md come from here and from `benches/whole-run.sh`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration;

use divan::{Bencher, black_box};
use icws_conformance::check;
use icws_conformance::load::Schemas;
use icws_conformance::load::{self, Case};
use icws_conformance::run::client::{Exchange, Response, SentRecord};
use icws_refserver::catalogue;
use reqwest::header::{HeaderMap, HeaderValue};

fn main() {
    divan::main();
}

const SIZES: [usize; 5] = [1, 100, 1_000, 6_000, 10_000];

fn catalog_case(schemas: &Schemas) -> Case {
    load::load_all(&[], schemas)
        .unwrap()
        .into_iter()
        .find(|c| c.name == "status-messages/catalog")
        .unwrap()
}

fn body(n: usize) -> Vec<u8> {
    serde_json::to_vec(&catalogue::sized("300000123", n)).unwrap()
}

fn exchange(body: Vec<u8>) -> Exchange {
    let mut headers = HeaderMap::new();
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/vnd.inin.icws+JSON; charset=utf-8"),
    );
    Exchange {
        request_line: "GET /icws/300000123/status/status-messages".into(),
        sent: SentRecord::default(),
        outcome: Ok(Response {
            status: 200,
            headers,
            body,
            version: "HTTP/1.1".into(),
        }),
        elapsed: Duration::ZERO,
        attempts: Vec::new(),
        busy: None,
    }
}

/// The whole check of a 200 catalogue: status, media type, parse, schema,
/// unique statusIds (case-folded) and systemIds.
#[divan::bench(args = SIZES, sample_count = 30)]
fn check_catalogue(bencher: Bencher, n: usize) {
    let schemas = Schemas::shipped().unwrap();
    let case = catalog_case(&schemas);
    let ex = exchange(body(n));
    bencher
        .counter(divan::counter::BytesCount::new(match &ex.outcome {
            Ok(r) => r.body.len(),
            Err(_) => 0,
        }))
        .bench(|| {
            let findings = check::check(
                black_box(&case),
                black_box(&ex),
                &check::CheckContext::new(&schemas),
            )
            .findings;
            assert!(findings.is_empty());
        });
}

/// The floor: parse the same body and validate it with bare jsonschema
/// against the same schema file, nothing else.
#[divan::bench(args = SIZES, sample_count = 30)]
fn floor_bare_jsonschema(bencher: Bencher, n: usize) {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../schemas/status-messages.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let body = body(n);
    bencher
        .counter(divan::counter::BytesCount::new(body.len()))
        .bench(|| {
            let value: serde_json::Value = serde_json::from_slice(black_box(&body)).unwrap();
            assert!(validator.is_valid(&value));
        });
}

/// Start-up: compile the shipped schemas and load the shipped cases.
#[divan::bench(sample_count = 50)]
fn startup_load_cases_and_schemas() {
    let schemas = Schemas::shipped().unwrap();
    let cases = load::load_all(&[], &schemas).unwrap();
    black_box((schemas, cases));
}
