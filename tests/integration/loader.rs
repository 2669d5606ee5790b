//! The case loader on broken case files: every problem is a load error that
//! names `file:line:col` and the field, all problems are reported at once, and
//! the shipped cases load cleanly. Also: the requirement table matches the spec.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use icws_conformance::load::Schemas;
use icws_conformance::load::{self, LoadError, case};
use icws_conformance::spec;

const GOOD: &str = r#"description = "ok"
reqs = ["REQ-401-1"]

[request]
endpoint = "status-messages"
session = "valid"
csrf-token = "wrong"

[expect]
status = [401]
schema = "error"
"#;

fn load_one(text: &str) -> Result<Vec<case::Case>, Vec<LoadError>> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("mine")).unwrap();
    std::fs::write(dir.path().join("mine/c.toml"), text).unwrap();
    let schemas = Schemas::shipped().unwrap();
    let r = load::load_all(&[dir.path().to_path_buf()], &schemas);
    drop(dir);
    r
}

fn one_error(text: &str) -> LoadError {
    let errors = load_one(text).expect_err("must not load");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let e = errors.into_iter().next().unwrap();
    assert!(e.file.ends_with("mine/c.toml"), "{}", e.file);
    e
}

#[test]
fn a_good_extra_case_loads_with_its_path_as_name() {
    let cases = load_one(GOOD).unwrap();
    assert!(cases.iter().any(|c| c.name == "mine/c"));
    assert!(cases.iter().any(|c| c.name == "status-messages/catalog"));
}

#[test]
fn shipped_cases_load_and_every_requirement_id_is_known() {
    let cases = load::load_all(&[], &Schemas::shipped().unwrap()).unwrap();
    assert!(cases.len() >= 10);
    for c in &cases {
        assert!(c.file.starts_with("cases/") && c.file.ends_with(".toml"));
        // A case is named after its file, and a variant after its file and
        // its own name.
        let own = format!("cases/{}.toml", c.name);
        let of_variant = c
            .name
            .rsplit_once('/')
            .map(|(file, _)| format!("cases/{file}.toml"));
        assert!(
            own == c.file || of_variant.as_deref() == Some(c.file.as_str()),
            "{} from {}",
            c.name,
            c.file
        );
    }
}

#[test]
fn unknown_key_names_line_col_and_suggests() {
    let e = one_error(&GOOD.replace("session = \"valid\"", "sesion = \"valid\""));
    assert_eq!((e.line, e.col), (6, 1), "{e}");
    assert!(
        e.message.contains("unknown field `sesion`"),
        "{}",
        e.message
    );
    assert!(
        e.message.contains("did you mean \"session\"?"),
        "{}",
        e.message
    );
    let rendered = e.render();
    assert!(
        rendered.contains("--> ")
            && rendered.contains(":6:1")
            && rendered.contains("sesion = \"valid\""),
        "{rendered}"
    );
}

#[test]
fn wrong_type_names_the_place() {
    let e = one_error(&GOOD.replace("status = [401]", "status = \"401\""));
    assert_eq!(e.line, 10, "{e}");
    assert!(
        e.message.contains("invalid type") || e.message.contains("expected"),
        "{}",
        e.message
    );
}

#[test]
fn unknown_enum_value_lists_the_choices() {
    let e = one_error(&GOOD.replace("session = \"valid\"", "session = \"fersh\""));
    assert_eq!((e.line, e.col), (6, 11), "{e}");
    assert!(e.message.contains("fresh"), "{}", e.message);
}

#[test]
fn unknown_schema_requirement_and_bad_status_are_all_reported() {
    let text = GOOD
        .replace("schema = \"error\"", "schema = \"eror\"")
        .replace("\"REQ-401-1\"", "\"REQ-401-9\"")
        .replace("status = [401]", "status = [401, 999]");
    let errors = load_one(&text).expect_err("must not load");
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 3, "{text:#?}");
    assert!(
        text.iter()
            .any(|e| e.contains(":2:9:") && e.contains("REQ-401-9")),
        "{text:#?}"
    );
    assert!(
        text.iter()
            .any(|e| e.contains(":10:16:") && e.contains("999")),
        "{text:#?}"
    );
    assert!(
        text.iter()
            .any(|e| e.contains(":11:10:") && e.contains("unknown schema \"eror\"")),
        "{text:#?}"
    );
}

#[test]
fn syntax_error_has_a_location() {
    let e = one_error("description = \"x\"\nreqs = [\n");
    assert!(e.line >= 2, "{e}");
}

#[test]
fn empty_lists_and_bad_regex_are_errors() {
    let e = one_error(&GOOD.replace("[\"REQ-401-1\"]", "[]"));
    assert!(e.message.contains("`reqs` is empty"), "{e}");
    let e = one_error(&format!(
        "{GOOD}\n[[expect.headers]]\nname = \"X\"\nmatches = \"(\"\nreq = \"REQ-401-1\"\n"
    ));
    assert!(
        e.message.contains("not a regular expression") && e.line == 15,
        "{e}"
    );
}

#[test]
fn features_endpoint_takes_no_session() {
    let e = one_error(&GOOD.replace("endpoint = \"status-messages\"", "endpoint = \"features\""));
    assert!(
        e.message.contains("features endpoint takes no session"),
        "{e}"
    );
}

#[test]
fn non_utf8_file_is_an_error_at_the_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("c.toml"),
        b"description = \"ok\"\nreqs = [\"\xff\"]\n",
    )
    .unwrap();
    let errors =
        load::load_all(&[dir.path().to_path_buf()], &Schemas::shipped().unwrap()).unwrap_err();
    assert_eq!((errors[0].line, errors[0].col), (2, 10), "{}", errors[0]);
    assert!(errors[0].message.contains("UTF-8"));
}

#[test]
fn empty_folder_missing_folder_and_duplicates_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let schemas = Schemas::shipped().unwrap();
    let errors = load::load_all(&[dir.path().to_path_buf()], &schemas).unwrap_err();
    assert!(errors[0].message.contains("no case files"), "{}", errors[0]);
    let errors = load::load_all(&[PathBuf::from("/nonexistent/cases")], &schemas).unwrap_err();
    assert!(errors[0].message.contains("cannot read"), "{}", errors[0]);
    std::fs::create_dir_all(dir.path().join("status-messages")).unwrap();
    std::fs::write(dir.path().join("status-messages/catalog.toml"), GOOD).unwrap();
    let errors = load::load_all(&[dir.path().to_path_buf()], &schemas).unwrap_err();
    assert!(
        errors[0]
            .message
            .contains("duplicate case name \"status-messages/catalog\""),
        "{}",
        errors[0]
    );
}

#[test]
fn requirement_table_matches_the_spec() {
    let ours: Vec<&str> = spec::REQUIREMENTS
        .iter()
        .map(|r| r.id)
        .filter(|id| id.starts_with("REQ-"))
        .collect();
    let copy: Vec<String> = include_str!("../data/requirement-ids.txt")
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        ours, copy,
        "src/spec.rs and tests/data/requirement-ids.txt differ"
    );
    // When the project's shared spec is beside the checkout (as in CI), compare with it too.
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/spec/status-messages.md");
    if let Ok(text) = std::fs::read_to_string(&shared) {
        let ids: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("| "))
            .filter_map(|l| l.split_whitespace().next())
            .filter(|id| id.starts_with("REQ-"))
            .collect();
        assert_eq!(
            ours,
            ids,
            "src/spec.rs is out of date with {}",
            shared.display()
        );
    }
}

#[test]
fn snapshot_tables_are_checked() {
    let with = |extra: &str| format!("{GOOD}\n{extra}");
    let cases = load_one(&with(
        "[snapshot]\nredact = [\"/statusMessageList/*/messageText\"]\n",
    ))
    .unwrap();
    let mine = cases.iter().find(|c| c.name == "mine/c").unwrap();
    assert_eq!(
        mine.snapshot.as_ref().unwrap().redact,
        ["/statusMessageList/*/messageText"]
    );
    let e = one_error(&with("[snapshot]\nredact = [\"statusMessageList\"]\n"));
    assert!(
        e.message
            .contains("`snapshot.redact`: \"statusMessageList\" is not a JSON pointer"),
        "{e}"
    );
    assert_eq!(e.line, GOOD.lines().count() + 3, "{e}");
    let e = one_error(&with("[snapshot]\nredakt = []\n"));
    assert!(e.message.contains("did you mean \"redact\"?"), "{e}");
    let no_schema = GOOD.replace("schema = \"error\"\n", "");
    let e = one_error(&format!("{no_schema}\n[snapshot]\n"));
    assert!(
        e.message.contains("`snapshot` needs `expect.schema`"),
        "{e}"
    );
}

#[test]
fn session_pair_and_other_session_go_together() {
    // `other-session` values need `session = "pair"` …
    let e = one_error(&GOOD.replace("csrf-token = \"wrong\"", "csrf-token = \"other-session\""));
    assert!(e.message.contains("needs `session = \"pair\"`"), "{e}");
    assert_eq!(e.line, 7, "{e}");
    // … a pair must use the other session …
    let e = one_error(&GOOD.replace("session = \"valid\"", "session = \"pair\""));
    assert!(
        e.message.contains("the second session is never used"),
        "{e}"
    );
    // … and `other-session` only goes with a pair.
    let e = one_error(&GOOD.replace(
        "csrf-token = \"wrong\"",
        "csrf-token = \"wrong\"\nother-session = \"ended\"",
    ));
    assert!(
        e.message.contains("only goes with `session = \"pair\"`"),
        "{e}"
    );
    // Together they load.
    let ok = GOOD
        .replace(
            "session = \"valid\"",
            "session = \"pair\"\nother-session = \"ended\"",
        )
        .replace("csrf-token = \"wrong\"", "cookie = \"other-session\"");
    assert!(load_one(&ok).is_ok(), "{ok}");
}

#[test]
fn refused_credentials_may_not_be_allowed_to_pass_and_both_sessions_is_for_cookies() {
    let pair = GOOD
        .replace("session = \"valid\"", "session = \"pair\"")
        .replace("csrf-token = \"wrong\"", "csrf-token = \"other-session\"");
    let e = one_error(&pair.replace("status = [401]", "status = [200, 401]"));
    assert!(e.message.contains("must be refused"), "{e}");
    let e = one_error(&pair.replace(
        "csrf-token = \"other-session\"",
        "csrf-token = \"both-sessions\"",
    ));
    assert!(
        e.message.contains("\"both-sessions\" is for `cookie`"),
        "{e}"
    );
    let ok = pair.replace(
        "csrf-token = \"other-session\"",
        "cookie = \"both-sessions\"",
    );
    assert!(load_one(&ok).is_ok(), "{ok}");
}

#[test]
fn a_table_written_as_an_array_is_refused_where_it_stands() {
    // serde's derived structs would take `[fields…]` in order; a case file
    // must say what it means with keys.
    let e = one_error(&GOOD.replace(
        "reqs = [\"REQ-401-1\"]\n",
        "reqs = [\"REQ-401-1\"]\nsnapshot = []\n",
    ));
    assert!(e.message.contains("expected a table"), "{e}");
    assert_eq!((e.line, e.col), (3, 12), "{e}");
    let e = one_error(&GOOD.replace(
        "[expect]\nstatus = [401]\nschema = \"error\"\n",
        "[expect]\nstatus = [401]\nschema = \"error\"\nrules = { feature = [\"status\", 1] }\n",
    ));
    assert!(e.message.contains("expected a table"), "{e}");
    assert_eq!(e.line, 12, "{e}");
}
