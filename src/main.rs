//! `icws-conformance`: runs the conformance suite (see the library's docs and
//! the README). All logic lives in the library; this is the entry point.

fn main() -> std::process::ExitCode {
    icws_conformance::cli::main_binary(std::env::args_os())
}
