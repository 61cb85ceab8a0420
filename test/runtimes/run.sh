#!/usr/bin/env bash
# The runtime matrix. The core must run unchanged on Node, Bun, Deno and workerd:
#   1. the unit tests (vitest project "unit") on Bun, Deno and workerd; Node runs
#      them in `npm run test:unit`, or here when named: run.sh node bun
#   2. the registry smoke test (project "registry-smoke") on all four, against
#      one docker-registry started for the run (test/runtimes/smoke-registry.ts).
# Every run proves its runtime (test/unit/runtime/matrix.test.ts), prints a
# header, and is timed; the summary lists them all. Exit status is non-zero when
# any run fails.
#
# Usage: test/runtimes/run.sh [node|bun|deno|workerd|smoke ...]
#   default: bun deno workerd smoke
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

bin=node_modules/.bin
run_timeout=600  # seconds, per vitest run
registry_timeout=90  # seconds to start and seed the smoke registry

# Deno runs vitest straight from node_modules: no update check, no prompts, and
# --cached-only / --no-lock so it never downloads or writes a lockfile.
export DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1

# vitest_on RUNTIME VITEST-ARGS...: vitest with RUNTIME executing the tests.
vitest_on() {
  local runtime=$1
  shift
  local -a command
  case $runtime in
    node) command=("$bin/vitest" run "$@") ;;
    # --bun makes Bun the runtime of vitest and of the test processes it forks;
    # --no-install keeps it from fetching packages on its own.
    bun) command=("$bin/bun" --bun --no-install node_modules/vitest/vitest.mjs run "$@") ;;
    deno)
      command=("$bin/deno" run --allow-all --cached-only --no-lock --node-modules-dir=manual
        node_modules/vitest/vitest.mjs run "$@")
      ;;
    # vitest itself runs on Node; the pool runs every test file inside workerd.
    workerd) command=("$bin/vitest" run --config test/runtimes/vitest.workerd.config.ts "$@") ;;
    *)
      echo "unknown runtime: $runtime" >&2
      return 2
      ;;
  esac
  IMGVERIFY_RUNTIME=$runtime timeout --kill-after=10 "$run_timeout" "${command[@]}"
}

summary=()
skips=()
failed=0
reports=$(mktemp -d "${TMPDIR:-/tmp}/imgverify-matrix-reports-XXXXXX")

# record NAME STATUS MILLISECONDS [VITEST-JSON-REPORT]
record() {
  local verdict=pass counts="" line
  if [[ $2 -ne 0 ]]; then
    verdict="FAIL (exit $2)"
    failed=1
  fi
  if [[ -n ${4:-} ]]; then
    # First line: the counts; then one line per file with skipped tests.
    while IFS= read -r line; do
      if [[ -z $counts ]]; then counts=$line; else skips+=("$1: $line"); fi
    done < <(node test/runtimes/report-counts.mjs "$4")
  fi
  summary+=("$(printf '%-28s %-14s %4d.%d s   %s' "$1" "$verdict" $(($3 / 1000)) $(($3 % 1000 / 100)) "$counts")")
}

now_ms() { date +%s%3N; }

# timed_run NAME RUNTIME VITEST-ARGS...
timed_run() {
  local name=$1 runtime=$2
  shift 2
  printf '\n==== %s ====\n' "$name"
  local start status report="$reports/${#summary[@]}.json"
  start=$(now_ms)
  vitest_on "$runtime" "$@" --reporter=default --reporter=json --outputFile.json="$report"
  status=$?
  record "$name" "$status" "$(($(now_ms) - start))" "$report"
}

smoke_pid=""
smoke_dir=""
stop_smoke_registry() {
  if [[ -n $smoke_pid ]]; then
    kill -TERM "$smoke_pid" 2>/dev/null && wait "$smoke_pid" 2>/dev/null
    smoke_pid=""
  fi
  [[ -n $smoke_dir ]] && rm -rf "$smoke_dir"
  smoke_dir=""
}
trap 'stop_smoke_registry; rm -rf "$reports"' EXIT
trap 'exit 130' INT TERM

# Starts the registry and exports IMGVERIFY_TEST_REGISTRY, IMGVERIFY_TEST_IMAGE
# and IMGVERIFY_TEST_IMAGE_DIGEST from the env file it writes once seeded.
start_smoke_registry() {
  smoke_dir=$(mktemp -d "${TMPDIR:-/tmp}/imgverify-matrix-XXXXXX")
  node --import tsx test/runtimes/smoke-registry.ts "$smoke_dir/registry.env" &
  smoke_pid=$!
  local waited=0
  until [[ -s $smoke_dir/registry.env ]]; do
    if ! kill -0 "$smoke_pid" 2>/dev/null; then
      echo "the smoke registry exited before it was ready" >&2
      smoke_pid=""
      return 1
    fi
    if ((waited >= registry_timeout * 10)); then
      echo "the smoke registry was not ready within ${registry_timeout} s" >&2
      return 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  local key value
  while IFS='=' read -r key value; do
    case $key in
      IMGVERIFY_TEST_REGISTRY | IMGVERIFY_TEST_IMAGE | IMGVERIFY_TEST_IMAGE_DIGEST)
        export "$key=$value"
        ;;
    esac
  done <"$smoke_dir/registry.env"
  echo "smoke registry: $IMGVERIFY_TEST_REGISTRY ($IMGVERIFY_TEST_IMAGE @ $IMGVERIFY_TEST_IMAGE_DIGEST)"
}

run_smoke() {
  printf '\n==== registry smoke: start docker-registry ====\n'
  local start
  start=$(now_ms)
  if ! start_smoke_registry; then
    record "smoke registry start" 1 "$(($(now_ms) - start))"
    return
  fi
  record "smoke registry start" 0 "$(($(now_ms) - start))"
  local runtime
  for runtime in node bun deno workerd; do
    timed_run "registry smoke on $runtime" "$runtime" --project registry-smoke
  done
  stop_smoke_registry
}

targets=("$@")
((${#targets[@]})) || targets=(bun deno workerd smoke)
for target in "${targets[@]}"; do
  case $target in
    node | bun | deno | workerd | smoke) ;;
    *)
      echo "usage: $0 [node|bun|deno|workerd|smoke ...]" >&2
      exit 2
      ;;
  esac
done

for target in "${targets[@]}"; do
  if [[ $target == smoke ]]; then
    run_smoke
  else
    timed_run "unit on $target" "$target" --project unit
  fi
done

printf '\n==== runtime matrix summary ====\n'
printf '%s\n' "${summary[@]}"
if ((${#skips[@]})); then
  printf '\nskipped tests (the files say why):\n'
  printf '  %s\n' "${skips[@]}"
fi
exit "$failed"
