#!/usr/bin/env bash
# The steps of the GitHub Action in action.yml, one subcommand each, so
# that .ci/run can run them outside GitHub (with HOME pointing at a folder
# that holds the binary). Bash 3.2 too (macOS runners): no mapfile, and an
# empty array is expanded as ${a[@]+"${a[@]}"}.
#
#   steps.sh key      the cache key (version, OS, architecture, runner image);
#                     puts ~/.cargo/bin on PATH for the job's later steps
#   steps.sh install  installs the version into ~/.cargo/bin
#   steps.sh run      checks the installed version, runs the suite, writes
#                     the reports; exits with the tool's status
#
# Inputs arrive as environment variables (never on a command line):
# ICWS_ACTION_VERSION, ICWS_ACTION_ARGS, ICWS_ACTION_REPORTS, and the
# tool's own ICWS_BASE_URL, ICWS_USER, ICWS_PASSWORD, ICWS_BASELINE,
# ICWS_STRICT.
set -euo pipefail

root="$HOME/.cargo"
bin="$root/bin/icws-conformance"

fail() {
  echo "::error title=icws-conformance action::$1"
  exit 2
}

# The version input: an exact version, as `cargo install --version` takes
# it without an operator (a requirement such as ^0.1 would make the cache
# key lie about what it holds).
v="${ICWS_ACTION_VERSION-}"
check_version() {
  if ! [[ "$v" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
    fail "version must be an exact version such as 0.1.0, not '$v'"
  fi
}

output() {
  if [ -n "${GITHUB_OUTPUT-}" ]; then
    echo "$1" >>"$GITHUB_OUTPUT"
  fi
}

key() {
  check_version
  # A binary built on one runner image may not start on another (a newer
  # C library): the image is part of the key where the runner names it.
  output "key=icws-conformance-$v-${RUNNER_OS:-unknown}-${RUNNER_ARCH:-unknown}-${ImageOS:-self-hosted}"
  if [ -n "${GITHUB_PATH-}" ]; then
    echo "$root/bin" >>"$GITHUB_PATH"
  fi
}

install() {
  check_version
  command -v cargo >/dev/null 2>&1 || fail "cargo is not on PATH: install Rust 1.85 or later first (e.g. rustup)"
  # --root: into ~/.cargo/bin whatever CARGO_HOME says, where the cache and
  # the run step look.
  if cargo binstall -V >/dev/null 2>&1; then
    cargo binstall --no-confirm --locked --root "$root" --version "$v" icws-conformance
  else
    cargo install --locked --root "$root" --version "$v" icws-conformance
  fi
}

run() {
  local want got out status=0
  check_version
  want="icws-conformance $v"
  got=$("$bin" --version 2>&1) || fail "$bin does not start: $got"
  [ "$got" = "$want" ] || fail "$bin says '$got', not '$want' (a stale cache?)"

  out="${ICWS_ACTION_REPORTS:?ICWS_ACTION_REPORTS is not set}"
  mkdir -p "$out"

  # An empty input is no input: the tool's own default applies (an empty
  # ICWS_BASELINE would be a path that does not exist).
  local name
  for name in ICWS_BASE_URL ICWS_USER ICWS_PASSWORD ICWS_BASELINE ICWS_STRICT; do
    if [ -z "${!name-}" ]; then
      unset "$name"
    fi
  done

  # Extra flags, split on spaces and newlines (no quoting; read does no
  # globbing). -d '': every line, not the first; read then says end of input.
  local extra=() arg
  read -r -d '' -a extra <<<"${ICWS_ACTION_ARGS-}" || true
  for arg in ${extra[@]+"${extra[@]}"}; do
    case "$arg" in
      --password | --password=* | --csrf-token | --csrf-token=* | --cookie | --cookie=* | --proxy | --proxy=*)
        fail "args: ${arg%%=*} would show in the process list and the log; give the password input (or ICWS_CSRF_TOKEN, ICWS_COOKIE, ICWS_PROXY as env)"
        ;;
    esac
  done

  "$bin" --junit "$out/junit.xml" --report-json "$out/report.json" --report-html "$out/report.html" \
    ${extra[@]+"${extra[@]}"} || status=$?

  output "exit-code=$status"
  output "reports=$out"
  # Exit 2 writes no summary of its own (no case ran, or the run stopped).
  if [ "$status" -eq 2 ] && [ -n "${GITHUB_STEP_SUMMARY-}" ]; then
    echo "**icws-conformance** could not do its job (exit status 2): the log says why." >>"$GITHUB_STEP_SUMMARY"
  fi
  return "$status"
}

case "${1-}" in
  key) key ;;
  install) install ;;
  run) run ;;
  *)
    echo "usage: $0 key|install|run" >&2
    exit 2
    ;;
esac
