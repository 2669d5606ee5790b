#!/usr/bin/env bash
# Mutation testing of the oracle: cargo-mutants changes the reference
# server's session, credential and catalogue code one mutant at a time, and
# the shipped suite (tests/suite.rs: every case against the embedded,
# mutated, reference server) must fail on each. A mutant that survives is a
# missing case or check, or a conformant variation: then it is listed in
# benches/mutants-equivalent.md with the reason.
#
# Too slow for CI (a build and a suite run per mutant); a benchmark-like
# tool, its last figures in the README.
#
#   benches/mutants.sh              # every mutant of the scoped code
#   benches/mutants.sh changed      # only mutants in lines changed since $BASE (default main)
#   benches/mutants.sh profiles     # phase 2 again, on the last run's phase-1 survivors
#   benches/mutants.sh list         # list the mutants, run nothing
#
# Installs the pinned cargo-mutants when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=27.0.0
if ! cargo mutants --version 2>/dev/null | grep -q " $VERSION"; then
  echo "installing cargo-mutants $VERSION"
  cargo install --locked cargo-mutants --version "$VERSION"
fi

# The oracle: the session store, the credential checks and the handlers
# that answer them, the login and the catalogue. The fault table and the
# profiles are deliberate deviations, not the oracle. Left out by name:
# the store's lookups only the fault table calls (find_*, get_ended,
# ended: a mutant there turns one broken server into another, which
# tests/faults.rs proves), counters for the server's own tests
# (remembered, open_connections), and the catalogue a user gives with
# --catalogue FILE (instantiate: served as given, nothing to conform to).
args=(
  --package icws-refserver
  --test-package icws-conformance
  --baseline skip
  --copy-target=true
  --file crates/refserver/src/sessions.rs
  --file crates/refserver/src/lib.rs
  --file crates/refserver/src/catalogue.rs
  --re 'sessions\.rs|authorize|missing_credentials|credentials|connect|disconnect|status_messages|status_resource|catalogue\.rs'
  --exclude-re 'tls|tests|open_connections|Store::remembered|Store::get_ended|Store::ended|Store::find_|instantiate'
  --timeout 300
)
mode=${1:-all}
case "$mode" in
  all|profiles) ;;
  changed)
    mkdir -p target
    git diff "${BASE:-main}" -- crates/refserver >target/mutants.diff
    args+=(--in-diff target/mutants.diff)
    ;;
  list)
    cargo mutants "${args[@]}" --list
    exit 0
    ;;
  *)
    echo "usage: benches/mutants.sh [all|changed|profiles|list]" >&2
    exit 2
    ;;
esac
# Phase 1, the test: the shipped suite against the default server (the
# harness's own tests would catch mutants for reasons other than a case).
#
# cargo-mutants 27 runs its baseline on the *mutated* package whatever
# --test-package says (lab.rs: run_baseline), and the refserver has no
# `suite` target, so the baseline is run here, on the same command, and
# cargo-mutants skips its own. --copy-target reuses this tree's build cache,
# so each mutant is an incremental build of the refserver and the suite.
if [ "$mode" != profiles ]; then
  echo "baseline: the shipped suite against the unmutated reference server"
  mkdir -p target
  if ! cargo test --package icws-conformance --test suite >target/mutants-baseline.log 2>&1; then
    echo "the suite fails on the unmutated reference server; see target/mutants-baseline.log" >&2
    exit 1
  fi
  rm -rf target/mutants
  cargo mutants "${args[@]}" --output target/mutants -- --test suite || true
fi
rm -rf target/mutants-profiles
out=target/mutants/mutants.out
[ -f "$out/outcomes.json" ] || { echo "cargo-mutants wrote no outcomes" >&2; exit 1; }

# Phase 2: code that only a profile runs (a conformant deployment's
# variation) is not reached by the default server. Each survivor of phase 1
# is tried again under every conformant profile: the shipped suite against
# the mutated server with each profile alone and all combined
# (tests/profiles.rs, its fault trials skipped).
# Every survivor is tried: a name in benches/mutants-equivalent.md has no
# line and column, so it may stand for several mutants, some of which a
# profile catches.
survivors=()
while IFS= read -r name; do
  [ -n "$name" ] && survivors+=("$name")
done <"$out/missed.txt"
missed_file="$out/missed.txt"
if [ "${#survivors[@]}" -gt 0 ]; then
  echo "phase 2: ${#survivors[@]} survivors of the default server, under every profile"
  res=()
  for name in "${survivors[@]}"; do
    res+=(--re "^$(printf '%s' "$name" | sed -e 's/[][\.^$*+?(){}|/]/\\&/g')\$")
  done
  base=()
  for a in "${args[@]}"; do base+=("$a"); done
  # The scope's own --re would widen the selection: keep --file and the rest.
  filtered=()
  skip=0
  for a in "${base[@]}"; do
    if [ "$skip" = 1 ]; then skip=0; continue; fi
    case "$a" in --re|--exclude-re) skip=1; continue ;; esac
    filtered+=("$a")
  done
  # Each profile alone and all combined, without the one that delays
  # every answer (its code is not in scope) and the report-only trials.
  cargo mutants "${filtered[@]}" "${res[@]}" --output target/mutants-profiles \
    -- --test profiles -- profile --skip fault-under --skip slow --skip profiles/all || true
fi
if [ "${#survivors[@]}" -gt 0 ]; then
  missed_file=target/mutants-profiles/mutants.out/missed.txt
fi

# The figures, and every survivor checked against the list of conformant
# variations (a name there is the mutant's name without line and column;
# `|` is written `\|` there, as a Markdown table needs).
key_of() { printf '%s' "$1" | sed -E 's/:[0-9]+:[0-9]+:/:/; s/\|/\\|/g'; }
total=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$out/mutants.json")
unviable=$(grep -c . "$out/unviable.txt" || true)
timeouts=$(grep -c . "$out/timeout.txt" || true)
missed_total=$(grep -c . "$missed_file" 2>/dev/null || true)
equivalent=0
unexplained=()
while IFS= read -r name; do
  [ -z "$name" ] && continue
  key=$(key_of "$name")
  if grep -qF "\`$key\`" benches/mutants-equivalent.md; then
    equivalent=$((equivalent + 1))
  else
    unexplained+=("$name")
  fi
done <"$missed_file"
caught=$((total - unviable - timeouts - missed_total))
echo
echo "mutants: $total; caught: $caught (phase 1 and 2); unviable: $unviable; timeouts: $timeouts"
echo "survived: $missed_total; equivalent with reasons: $equivalent; missed: ${#unexplained[@]}"
if [ "${#unexplained[@]}" -gt 0 ]; then
  echo "missed (neither caught nor listed in benches/mutants-equivalent.md):" >&2
  printf '  %s\n' "${unexplained[@]}" >&2
  exit 1
fi
