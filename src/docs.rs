//! The reference pages of the book in `docs/`, generated from the code so
//! they cannot drift from it: the flags (from the clap command), the
//! requirements and policies ([`crate::spec`]), the reference server's fault
//! modes with the coverage matrix, and its profiles. Each function returns
//! the whole Markdown page; nothing here reads or writes a file.
//! `tests/integration/docs.rs` compares every page with the file on disk and, with
//! `ICWS_BLESS_DOCS=1` (never under `CI=true`), writes them.

use std::fmt::Write as _;
use std::sync::Arc;

use icws_refserver::{Fault, Profile};

use crate::report::coverage::{self, Row};
use crate::spec::{self, Source};

/// The command that rewrites the generated pages.
pub const BLESS_COMMAND: &str = "ICWS_BLESS_DOCS=1 cargo test --test integration docs::";

/// One generated page: its path under `docs/src/` and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Relative to `docs/src/`, e.g. `reference/flags.md`.
    pub path: &'static str,
    /// The whole page.
    pub text: String,
}

/// The first line of every generated page (and the blank line after it).
fn generated_note(source: &str) -> String {
    format!(
        "> Generated from {source} by `icws_conformance::docs`; do not edit. \
         Regenerate with `{BLESS_COMMAND}`.\n\n"
    )
}

/// Text made safe for one cell of a Markdown table: one line, no `|`, and,
/// outside code spans, no `<…>` that GitHub or mdBook would take for an
/// HTML tag.
fn cell(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(line.len());
    let mut in_code = false;
    for c in line.chars() {
        match c {
            '`' => {
                in_code = !in_code;
                out.push(c);
            }
            '|' => out.push_str("\\|"),
            '<' if !in_code => out.push_str("&lt;"),
            '>' if !in_code => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// `reference/flags.md`: every argument of `icws-conformance`, from the
/// clap command the binary parses (long name, value name, environment
/// variable, default, help).
pub fn flags_markdown() -> String {
    let mut cmd = crate::cli::command();
    // Settles what the derive leaves implicit (how many values a flag takes).
    cmd.build();
    let mut out = generated_note("the clap command (`src/cli/`, `Cli`)");
    out.push_str("# Flags and environment variables\n\n");
    out.push_str(
        "Every flag of `icws-conformance`, as `--help` shows it, under the same headings. A \
         flag with an environment variable can be given either way; the flag wins. Boolean \
         variables take `1`/`true`/`yes`/`on`, and `0`/`false`/`no`/`off` or empty for off; any \
         other value is an error (exit 2). The libtest options that work here (the FILTER, \
         `--exact`, `--skip`, `--list`, `--format`, `-q`, `--color`, `--test-threads`) sit \
         under the heading where they belong; libtest's others (`--ignored`, \
         `--include-ignored`, `--nocapture`, `--show-output`, `--logfile`, `--test`, `--bench`, \
         `-Z`) are accepted, for `cargo test` and nextest, but hidden: they do nothing useful \
         here.\n",
    );
    let args: Vec<&clap::Arg> = cmd.get_arguments().filter(|a| !a.is_hide_set()).collect();
    let mut headings: Vec<Option<&str>> = crate::cli::args::HEADING_ORDER
        .iter()
        .map(|h| Some(*h))
        .collect();
    // A flag left without a heading would be listed, not lost.
    headings.push(None);
    for heading in headings {
        let mut under: Vec<&clap::Arg> = args
            .iter()
            .copied()
            .filter(|a| a.get_help_heading() == heading)
            .collect();
        under.sort_by_key(|a| a.get_display_order());
        if under.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n## {}\n", heading.unwrap_or("Other"));
        out.push_str("| flag | value | environment | default | meaning |\n|---|---|---|---|---|\n");
        for arg in under {
            out.push_str(&flag_row(arg));
        }
    }
    out
}

/// One flag's row of the table.
fn flag_row(arg: &clap::Arg) -> String {
    let id = arg.get_id().as_str();
    let flag = match (arg.get_long(), arg.get_short()) {
        (Some(l), Some(s)) => format!("`--{l}`, `-{s}`"),
        (Some(l), None) => format!("`--{l}`"),
        (None, Some(s)) => format!("`-{s}`"),
        (None, None) => format!("`{}` (positional)", id.to_uppercase()),
    };
    let takes_value = arg.get_num_args().is_some_and(|n| n.takes_values())
        && !matches!(
            arg.get_action(),
            clap::ArgAction::SetTrue
                | clap::ArgAction::SetFalse
                | clap::ArgAction::Count
                | clap::ArgAction::Help
                | clap::ArgAction::Version
        );
    let value = match arg.get_value_names() {
        Some(names) if takes_value && arg.get_long().is_some() => names
            .iter()
            .map(|n| format!("`{}`", n.as_str().replace('|', "\\|")))
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    };
    let env = arg
        .get_env()
        .map(|e| format!("`{}`", e.to_string_lossy()))
        .unwrap_or_default();
    let default = arg
        .get_default_values()
        .iter()
        .map(|d| format!("`{}`", d.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(", ");
    let help = arg
        .get_long_help()
        .or_else(|| arg.get_help())
        .map(|h| cell(&h.to_string()))
        .unwrap_or_default();
    format!("| {flag} | {value} | {env} | {default} | {help} |\n")
}

/// `reference/requirements.md`: every requirement id, where it comes from,
/// the policy that applies to it, and the open points of the documentation
/// with how the harness settles them (all from [`crate::spec`]).
pub fn requirements_markdown() -> String {
    let mut out = generated_note("`src/spec.rs` (`REQUIREMENTS`, `POLICIES`, `OPEN_POINTS`)");
    out.push_str("# Requirements and policy\n\n");
    out.push_str(
        "Cases, schemas (`x-req`) and findings name rules by these ids; the loader refuses any \
         other. `REQ-…` ids are the numbered requirements of the endpoint's documentation, \
         `SES-…` come from the session document, `POL-…` from harness policy. \
         `icws-conformance --explain ID` prints one of them with its policy and the cases and \
         fault modes that prove it.\n\n",
    );
    out.push_str(
        "| id | from | rule | policy where the documentation is open |\n|---|---|---|---|\n",
    );
    for r in spec::REQUIREMENTS {
        let from = match r.source {
            Source::Documentation => "documentation",
            Source::Session => "session document",
            Source::Policy => "harness policy",
        };
        let mut policy = spec::policy(r.id).map(cell).unwrap_or_default();
        if let Some(tests) = spec::harness_proven(r.id) {
            if !policy.is_empty() {
                policy.push_str(". ");
            }
            let _ = write!(
                policy,
                "No fault mode can prove it; the harness's unit tests {} do",
                tests
                    .iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let _ = writeln!(
            out,
            "| `{}` | {from} | {} | {policy} |",
            r.id,
            cell(r.title)
        );
    }
    out.push_str("\n## Open points of the documentation\n\n");
    out.push_str("Where the documentation leaves a point open, the harness settles it so:\n\n");
    out.push_str("| open point | policy |\n|---|---|\n");
    for (point, policy) in spec::OPEN_POINTS {
        let _ = writeln!(out, "| {point} | {policy} |");
    }
    let _ = writeln!(
        out,
        "\nThe statuses the documentation gives for this resource (`REQ-STATUS-1`): {}.",
        spec::DOCUMENTED_STATUSES
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    out
}

/// `reference/faults.md`: every fault mode of the reference server with
/// what it claims to break ([`Fault::all`], [`Fault::claims`]), then the
/// coverage matrix as `--coverage` prints it (`rows`: see [`coverage_rows`]).
pub fn faults_markdown(rows: &[Row]) -> String {
    let faults = Fault::all();
    let mut out = generated_note(
        "`icws_refserver::Fault::all()` and the `--coverage` sweep (`src/cli/proof.rs`)",
    );
    out.push_str("# Fault modes and coverage\n\n");
    let _ = write!(
        out,
        "The reference server has {} fault modes (`icws-refserver --fault NAME`, \
         `--list-faults`). Each gets one thing wrong; a claim names a requirement and the \
         place a finding naming it must point at. Claims are checked, not trusted: \
         `tests/faults.rs` fails when no finding of the suite's run under the fault bears a \
         claim out. *Catalogue* marks the faults that change the catalogue response, which \
         `icws-refserver --catalogue FILE` refuses.\n\n",
        faults.len()
    );
    out.push_str(
        "| fault | what the server gets wrong | claims to break (requirement at place) | catalogue |\n|---|---|---|---|\n",
    );
    for f in &faults {
        let claims = f
            .claims()
            .iter()
            .map(|(req, place)| format!("`{req}` at `{place}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let catalogue = if f.changes_catalogue() { "yes" } else { "" };
        let about = f.about().replace('|', "\\|");
        let _ = writeln!(out, "| `{}` | {about} | {claims} | {catalogue} |", f.name());
    }
    out.push_str("\n## Coverage matrix\n\n");
    out.push_str(
        "`icws-conformance --coverage` runs the shipped cases against the embedded reference \
         server, clean and under each fault mode, as `--strict` runs do, and prints, for each \
         requirement, the cases and faults **whose runs produced a finding naming it**. What \
         a case lists in `reqs` and what a fault claims are not read to fill a row. A finding \
         the clean server's run also produces counts for no fault. `tests/faults.rs` fails on \
         an empty row; `tests/integration/cli.rs` checks that this table is what the binary prints.\n\n",
    );
    out.push_str(&coverage::render(rows));
    out
}

/// `reference/profiles.md`: every conformant profile of the reference
/// server ([`Profile::all`]): how it differs and the open point it
/// exercises.
pub fn profiles_markdown() -> String {
    let profiles = Profile::all();
    let mut out = generated_note("`icws_refserver::Profile::all()`");
    out.push_str("# Conformant profiles\n\n");
    let _ = write!(
        out,
        "The reference server's {} profiles (`icws-refserver --profile NAME`, repeatable; \
         `--list-profiles`). Each makes it a different but conformant deployment; any \
         combination, all at once included, is conformant, and `tests/profiles.rs` runs the \
         shipped suite against each alone and all together.\n\n",
        profiles.len()
    );
    out.push_str(
        "| profile | how the server differs | the open point it exercises |\n|---|---|---|\n",
    );
    for p in profiles {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            p.name(),
            cell(p.about()),
            cell(p.exercises())
        );
    }
    out
}

/// The coverage matrix's rows for the shipped cases, as `--coverage`
/// computes them: the suite against the embedded reference server under
/// every fault mode (a few seconds).
pub fn coverage_rows() -> Result<Vec<Row>, String> {
    let schemas = crate::load::Schemas::shipped().map_err(|errors| {
        errors
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    let cases = crate::load::load_all(&[], &schemas).map_err(|errors| {
        errors
            .iter()
            .map(|e| e.render())
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let runs = rt.block_on(crate::cli::proof::sweep(Arc::new(cases), schemas))?;
    Ok(coverage::matrix(&runs))
}

/// Every generated page, given the coverage matrix's rows.
pub fn pages(rows: &[Row]) -> Vec<Page> {
    vec![
        Page {
            path: "reference/flags.md",
            text: flags_markdown(),
        },
        Page {
            path: "reference/requirements.md",
            text: requirements_markdown(),
        },
        Page {
            path: "reference/faults.md",
            text: faults_markdown(rows),
        },
        Page {
            path: "reference/profiles.md",
            text: profiles_markdown(),
        },
    ]
}
