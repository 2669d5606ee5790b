//! The shipped suite as a test target (`harness = false`): `cargo test` and
//! `cargo nextest run` run every case against the embedded reference server,
//! or against `ICWS_BASE_URL` when it is set. Same entry point as the binary.

fn main() -> std::process::ExitCode {
    icws_conformance::cli::main_from(std::env::args_os())
}
