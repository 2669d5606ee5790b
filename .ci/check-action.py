#!/usr/bin/env python3
"""Checks the GitHub Action outside GitHub; `.ci/run` runs it.

actionlint lints workflows, not action metadata, so this script:

1. checks `action.yml` against what it must say (the inputs, the version
   default = the crate's version, secrets only through `env:`, reports
   uploaded with `if: always()`, every `ICWS_*` variable it sets known to
   the tool's `--help`), after proving on broken copies that each check
   can fail;
2. runs `action/steps.sh` with a stand-in binary that records its command
   line and environment (the flags it passes must be in `--help`; the
   password must not be on the command line), then with the real binary
   against the embedded reference server, as GitHub would (reports,
   step summary, outputs, exit statuses);
3. checks that README.md holds `.ci/workflow-example.yml` verbatim, and
   lints, in a scratch project, that example, the same example with
   `uses: ./` (so actionlint checks its `with:` against action.yml's
   inputs: a broken copy must fail), and action.yml's steps as a
   reusable workflow (expressions, the inputs of the actions it uses,
   shellcheck on its `run:` lines).

Usage: check-action.py --bin PATH/TO/icws-conformance --actionlint PATH
"""

from __future__ import annotations

import argparse
import copy
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / ".ci" / "workflow-example.yml"
STEPS = ROOT / "action" / "steps.sh"
REMOTE_USES = "your-org/icws-conformance@v"
INPUTS = {"target", "user", "password", "baseline", "strict", "version", "args", "artifact-name"}
# Inputs handed to the tool as its own environment variables.
INPUT_ENV = {
    "target": "ICWS_BASE_URL",
    "user": "ICWS_USER",
    "password": "ICWS_PASSWORD",
    "baseline": "ICWS_BASELINE",
    "strict": "ICWS_STRICT",
}
UPLOADED = ("report.html", "junit.xml")
PASSWORD = "pw-Secret-4711-xyz"

problems: list[str] = []


def problem(text: str) -> None:
    print(f"FAIL: {text}")
    problems.append(text)


def crate_version() -> str:
    with open(ROOT / "Cargo.toml", "rb") as f:
        return tomllib.load(f)["package"]["version"]


def help_flags(help_text: str) -> set[str]:
    return set(re.findall(r"^\s+(?:-\w, )?(--[a-z][a-z0-9-]*)", help_text, re.M))


def help_env(help_text: str) -> set[str]:
    return set(re.findall(r"\[env:\s*([A-Z0-9_]+)", help_text))


# ---------------------------------------------------------------- 1. metadata


def metadata_problems(action: dict, help_text: str, version: str) -> list[str]:
    out: list[str] = []
    if not isinstance(action, dict):
        return ["action.yml is not a mapping"]
    for key in ("name", "description"):
        if not action.get(key):
            out.append(f"no {key}")
    runs = action.get("runs") or {}
    if runs.get("using") != "composite":
        out.append(f"runs.using is {runs.get('using')!r}, not 'composite'")
    inputs = action.get("inputs") or {}
    if set(inputs) != INPUTS:
        out.append(f"inputs are {sorted(inputs)}, not {sorted(INPUTS)}")
    for name, spec in inputs.items():
        spec = spec or {}
        if not spec.get("description"):
            out.append(f"input {name} has no description")
        if spec.get("required") is True:
            out.append(f"input {name} is required: every input has a default")
    if str((inputs.get("version") or {}).get("default")) != version:
        out.append(f"input version's default is not the crate's version {version}")

    steps = runs.get("steps") or []
    by_id = {s.get("id"): s for s in steps if isinstance(s, dict)}
    for i, step in enumerate(steps):
        where = f"step {step.get('id') or i + 1}"
        run = step.get("run")
        if run is not None:
            if "${{" in run:
                out.append(f"{where}: an expression in run: (values go through env:)")
            if not re.fullmatch(r'"\$GITHUB_ACTION_PATH/action/steps\.sh" (key|install|run)', run.strip()):
                out.append(f"{where}: run: is not one subcommand of action/steps.sh")
            if step.get("shell") != "bash":
                out.append(f"{where}: shell is not bash")
        for name, value in (step.get("env") or {}).items():
            if name.startswith("ICWS_") and not name.startswith("ICWS_ACTION_") and name not in help_env(help_text):
                out.append(f"{where}: env {name} is not a variable of the tool's --help")
            if "inputs.password" in str(value) and name != "ICWS_PASSWORD":
                out.append(f"{where}: the password reaches env {name}")
        for name, value in (step.get("with") or {}).items():
            if "inputs.password" in str(value):
                out.append(f"{where}: the password reaches with: {name}")

    run_env = (by_id.get("run") or {}).get("env") or {}
    for name, var in INPUT_ENV.items():
        if run_env.get(var) != f"${{{{ inputs.{name} }}}}":
            out.append(f"the run step does not set {var} from input {name}")
    for name in ("ICWS_ACTION_VERSION", "ICWS_ACTION_ARGS", "ICWS_ACTION_REPORTS"):
        if name not in run_env:
            out.append(f"the run step does not set {name}")

    cache = by_id.get("cache") or {}
    saves = [s for s in steps if str(s.get("uses", "")).startswith("actions/cache/save@")]
    if not str(cache.get("uses", "")).startswith("actions/cache/restore@") or len(saves) != 1:
        out.append("no actions/cache/restore step with id cache and one actions/cache/save step")
    else:
        for s in (cache, saves[0]):
            w = s.get("with") or {}
            if w.get("key") != "${{ steps.key.outputs.key }}":
                out.append(f"{s.get('uses')}: key is not the key step's output")
            if "~/.cargo/bin/icws-conformance" not in str(w.get("path", "")).split():
                out.append(f"{s.get('uses')}: path does not hold ~/.cargo/bin/icws-conformance")
        miss = "steps.cache.outputs.cache-hit != 'true'"
        for s in (by_id.get("install") or {}, saves[0]):
            if s.get("if") != miss:
                out.append(f"{s.get('id') or s.get('uses')}: does not run only on a cache miss")

    uploads = [s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    if len(uploads) != 1:
        out.append("not one actions/upload-artifact step")
    else:
        up = uploads[0]
        if up.get("if") != "always()":
            out.append("the upload step does not run on failure (if: always())")
        path = str((up.get("with") or {}).get("path", ""))
        for report in UPLOADED:
            if report not in path:
                out.append(f"the upload step does not upload {report}")
    return out


def check_metadata(help_text: str, version: str) -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    for p in metadata_problems(action, help_text, version):
        problem(f"action.yml: {p}")

    def step(a: dict, sid: str) -> dict:
        return next(s for s in a["runs"]["steps"] if s.get("id") == sid)

    def upload(a: dict) -> dict:
        return next(s for s in a["runs"]["steps"] if "upload-artifact" in str(s.get("uses")))

    breakages = {
        "an input dropped": lambda a: a["inputs"].pop("strict"),
        "the version default off": lambda a: a["inputs"]["version"].update(default="9.9.9"),
        "the password on a command line": lambda a: step(a, "run").update(
            run='"$GITHUB_ACTION_PATH/action/steps.sh" run --password "${{ inputs.password }}"'
        ),
        "the password in another variable": lambda a: step(a, "run")["env"].update(
            ICWS_ACTION_ARGS="--password=${{ inputs.password }}"
        ),
        "a misspelt variable": lambda a: step(a, "run")["env"].update(ICWS_STRIKT="true"),
        "strict not passed": lambda a: step(a, "run")["env"].pop("ICWS_STRICT"),
        "no upload on failure": lambda a: upload(a).pop("if"),
        "HTML not uploaded": lambda a: upload(a)["with"].update(path="junit.xml"),
        "a cache key of its own": lambda a: step(a, "cache")["with"].update(key="icws"),
        "install on every run": lambda a: step(a, "install").pop("if"),
        "not composite": lambda a: a["runs"].update(using="node24"),
    }
    for what, breaks in breakages.items():
        broken = copy.deepcopy(action)
        breaks(broken)
        if not metadata_problems(broken, help_text, version):
            problem(f"the action.yml check cannot fail: {what} passes")
    print(f"action.yml: checked ({len(breakages)} broken copies caught)")


# ---------------------------------------------------------------- 2. steps.sh

FAKE = """#!/usr/bin/env bash
if [ "${1-}" = --version ]; then echo "icws-conformance $FAKE_VERSION"; exit 0; fi
printf '%s\\n' "$@" >"$FAKE_LOG.args"
env >"$FAKE_LOG.env"
exit "${FAKE_STATUS:-0}"
"""


def steps(home: Path, sub: str, env: dict[str, str], cwd: Path | None = None) -> tuple[int, str, dict[str, str]]:
    """Runs `steps.sh SUB` as the runner would: a clean environment, HOME
    at `home`, the GitHub files in `home/gh`. Returns the status, the
    output and the step outputs written to GITHUB_OUTPUT."""
    gh = home / "gh"
    gh.mkdir(exist_ok=True)
    for f in ("output", "path", "summary"):
        (gh / f).write_text("")
    full = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        "GITHUB_OUTPUT": str(gh / "output"),
        "GITHUB_PATH": str(gh / "path"),
        "GITHUB_STEP_SUMMARY": str(gh / "summary"),
        "ICWS_ACTION_REPORTS": str(home / "reports"),
        **env,
    }
    r = subprocess.run(
        ["bash", str(STEPS), sub], env=full, cwd=cwd or home, capture_output=True, text=True, timeout=300
    )
    outputs = dict(line.split("=", 1) for line in (gh / "output").read_text().splitlines() if "=" in line)
    return r.returncode, r.stdout + r.stderr, outputs


def expect(cond: bool, what: str, log: str = "") -> None:
    if not cond:
        problem(what + (f"\n{log}" if log else ""))


def check_steps_fake(help_text: str, version: str) -> None:
    flags = help_flags(help_text)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        (home / ".cargo" / "bin").mkdir(parents=True)
        fake = home / ".cargo" / "bin" / "icws-conformance"
        fake.write_text(FAKE)
        fake.chmod(0o755)
        log = home / "log"
        base = {"FAKE_VERSION": version, "FAKE_LOG": str(log), "ICWS_ACTION_VERSION": version}
        inputs = {
            "ICWS_BASE_URL": "http://127.0.0.1:9",
            "ICWS_USER": "agent1",
            "ICWS_PASSWORD": PASSWORD,
            "ICWS_BASELINE": "",
            "ICWS_STRICT": "true",
            "ICWS_ACTION_ARGS": "--tag auth\n  --retries 2 *",
        }

        status, out, outputs = steps(home, "run", {**base, **inputs, "FAKE_STATUS": "101"})
        expect(status == 101, f"steps.sh run: status {status}, not the tool's 101", out)
        args = log.with_suffix(".args").read_text().splitlines() if log.with_suffix(".args").exists() else []
        env = log.with_suffix(".env").read_text() if log.with_suffix(".env").exists() else ""
        reports = home / "reports"
        want = [
            "--junit", f"{reports}/junit.xml", "--report-json", f"{reports}/report.json",
            "--report-html", f"{reports}/report.html", "--tag", "auth", "--retries", "2", "*",
        ]  # fmt: skip
        expect(args == want, f"steps.sh run passed {args}, not {want}")
        for a in args:
            if a.startswith("--"):
                expect(a.split("=")[0] in flags, f"steps.sh run passes {a}, which --help does not list")
        expect(all(PASSWORD not in a for a in args), "the password is on the command line")
        expect(f"ICWS_PASSWORD={PASSWORD}\n" in env, "the password does not reach ICWS_PASSWORD")
        expect("ICWS_STRICT=true\n" in env, "the strict input does not reach ICWS_STRICT")
        expect("ICWS_BASELINE=" not in env, "an empty baseline input is passed as an empty path")
        expect(outputs.get("exit-code") == "101", f"output exit-code is {outputs.get('exit-code')}")
        expect(outputs.get("reports") == str(reports), "output reports is not the reports folder")

        for arg in ("--password=x", "--cookie v"):
            log.with_suffix(".args").unlink(missing_ok=True)
            status, out, _ = steps(home, "run", {**base, "ICWS_ACTION_ARGS": arg})
            expect(status == 2 and "::error" in out, f"args {arg!r} is not refused", out)
            expect(not log.with_suffix(".args").exists(), f"args {arg!r}: the tool ran")

        status, out, _ = steps(home, "run", {**base, "FAKE_VERSION": "0.0.1"})
        expect(status == 2 and "stale" in out, "a binary of another version is not refused", out)
        for bad in ("^0.1", "", "0.1"):
            for sub in ("key", "run", "install"):
                status, out, _ = steps(home, sub, {**base, "ICWS_ACTION_VERSION": bad})
                expect(status == 2 and "exact version" in out, f"steps.sh {sub}: version {bad!r} taken", out)

        status, out, _ = steps(home, "run", {**base, "FAKE_STATUS": "2"})
        summary = (home / "gh" / "summary").read_text()
        expect(status == 2 and "could not do its job" in summary, "exit 2 leaves no step summary", out)

        gh_env = {"RUNNER_OS": "Linux", "RUNNER_ARCH": "X64", "ImageOS": "ubuntu24"}
        status, out, outputs = steps(home, "key", {**base, **gh_env})
        want_key = f"icws-conformance-{version}-Linux-X64-ubuntu24"
        expect(status == 0 and outputs.get("key") == want_key, f"key is {outputs.get('key')}, not {want_key}", out)
        expect(
            (home / "gh" / "path").read_text() == f"{home}/.cargo/bin\n", "key does not put ~/.cargo/bin on PATH"
        )
        status, out, _ = steps(home, "nonsense", base)
        expect(status == 2, "steps.sh takes an unknown subcommand")
    print("action/steps.sh: checked with a stand-in binary")


def check_steps_real(binary: Path, version: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        (home / ".cargo" / "bin").mkdir(parents=True)
        (home / ".cargo" / "bin" / "icws-conformance").symlink_to(binary.resolve())
        work = home / "workspace"  # a repository with no snapshots/ of its own
        work.mkdir()
        base = {"ICWS_ACTION_VERSION": version, "ICWS_BASE_URL": "", "ICWS_STRICT": "false"}
        status, out, outputs = steps(home, "run", base, cwd=work)
        expect(status == 0, f"the action's run against the embedded server: exit {status}", out[-3000:])
        reports = home / "reports"
        try:
            ET.parse(reports / "junit.xml")
        except (OSError, ET.ParseError) as e:
            problem(f"junit.xml: {e}")
        html = (reports / "report.html").read_text() if (reports / "report.html").exists() else ""
        expect("<html" in html, "report.html is missing or not HTML")
        expect((reports / "report.json").exists(), "report.json is missing")
        summary = (home / "gh" / "summary").read_text()
        expect(summary.strip() != "", "the tool wrote no step summary")
        expect(outputs.get("exit-code") == "0", f"output exit-code is {outputs.get('exit-code')}")
        expect(not any(work.iterdir()), f"the run wrote into the workspace: {list(work.iterdir())}")

        status, out, _ = steps(home, "run", {**base, "ICWS_STRICT": "maybe"}, cwd=work)
        summary = (home / "gh" / "summary").read_text()
        expect(status == 2 and "could not do its job" in summary, f"strict 'maybe': exit {status}", out[-3000:])
    print(f"action/steps.sh: ran {binary} against the embedded server")


# ---------------------------------------------------------------- 3. workflows


def check_readme() -> str:
    example = EXAMPLE.read_text()
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"^```yaml\n(.*?)^```$", readme, re.M | re.S)
    if example not in blocks:
        near = difflib.get_close_matches(example, blocks, n=1, cutoff=0.0)
        diff = "".join(difflib.unified_diff(near[0].splitlines(True), example.splitlines(True), "README.md", str(EXAMPLE))) if near else ""
        problem(f"README.md does not hold {EXAMPLE.relative_to(ROOT)} as a yaml block\n{diff}")
    if example.count(REMOTE_USES) != 1:
        problem(f"{EXAMPLE.relative_to(ROOT)} does not use {REMOTE_USES}… once")
    m = re.search(r"your-org/icws-conformance@v(\S+)\n\s+with:\n\s+version: (\S+)", example)
    if not m or m.group(1) != m.group(2) or m.group(2) != crate_version():
        problem("the example does not pin the action's tag and version to the crate's version")
    print("README.md: holds the workflow example")
    return example


def action_as_workflow(action: dict) -> dict:
    """The action's steps as a reusable workflow's job, which actionlint
    lints (it lints no action metadata)."""
    inputs = {
        name: {"type": "string", "required": False, "default": str(spec.get("default", ""))}
        for name, spec in action["inputs"].items()
    }
    outputs = {name: spec["value"] for name, spec in (action.get("outputs") or {}).items()}
    return {
        "on": {"workflow_call": {"inputs": inputs}},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "outputs": outputs, "steps": action["runs"]["steps"]}},
    }


def actionlint(project: Path, actionlint_bin: str) -> tuple[int, str]:
    r = subprocess.run(
        [actionlint_bin, "-oneline", "-pyflakes="], cwd=project, capture_output=True, text=True, timeout=120
    )
    return r.returncode, (r.stdout + r.stderr).strip()


def check_workflows(example: str, actionlint_bin: str) -> None:
    if not shutil.which("shellcheck"):
        problem("shellcheck is not on PATH: actionlint would skip the run: scripts")
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / ".git").mkdir()  # actionlint's project root
        flows = project / ".github" / "workflows"
        flows.mkdir(parents=True)
        shutil.copy(ROOT / "action.yml", project / "action.yml")
        local = re.sub(r"your-org/icws-conformance@v\S+", "./", example)
        (flows / "readme-example.yml").write_text(example)
        (flows / "local-action.yml").write_text(local)
        (flows / "action-steps.yml").write_text(yaml.safe_dump(action_as_workflow(action), sort_keys=False))
        status, out = actionlint(project, actionlint_bin)
        print(f"actionlint: exit {status}" + (f"\n{out}" if out else ", no findings"))
        if status != 0:
            problem("actionlint found problems")

        # The `uses: ./` check must be live: an input the action lacks fails.
        for f in flows.iterdir():
            f.unlink()
        (flows / "local-action.yml").write_text(local.replace("version:", "versionx:"))
        status, out = actionlint(project, actionlint_bin)
        if status == 0 or "versionx" not in out:
            problem(f"actionlint does not check the example's inputs against action.yml:\n{out}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True, type=Path, help="the icws-conformance binary to run")
    ap.add_argument("--actionlint", default="actionlint")
    a = ap.parse_args()
    if not a.bin.is_file():
        print(f"FAIL: {a.bin} does not exist: build it first", file=sys.stderr)
        return 1
    version = crate_version()
    help_text = subprocess.run([a.bin, "--help"], capture_output=True, text=True, check=True).stdout
    if "--report-html" not in help_flags(help_text) or "ICWS_PASSWORD" not in help_env(help_text):
        problem("cannot read flags and variables from --help")
    check_metadata(help_text, version)
    check_steps_fake(help_text, version)
    check_steps_real(a.bin, version)
    example = check_readme()
    check_workflows(example, a.actionlint)
    if problems:
        print(f"{len(problems)} problem(s) with the GitHub Action", file=sys.stderr)
        return 1
    print("the GitHub Action: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
