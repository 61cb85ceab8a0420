#!/usr/bin/env bash
# The whole check, as `npm test` and CI run it: dependencies, lint, types,
# unit tests, integration tests against a real registry, runtime tests.
# Every stage runs even after a failure, so one run reports them all; the last
# line is "N passed, N failed" and the exit code is non-zero if any stage failed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '\n==== %s ====\n' "$*"; }

# ---- npm dependencies (npm writes node_modules/.package-lock.json on install) ----
if [[ ! -d node_modules || ! -f node_modules/.package-lock.json \
      || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "npm ci (node_modules missing or older than package-lock.json)"
  npm ci
fi

# ---- Debian tools for the registry harness: tool -> package ----
declare -A tool_packages=(
  [docker-registry]=docker-registry
  [skopeo]=skopeo
  [umoci]=umoci
  [htpasswd]=apache2-utils
  [openssl]=openssl
  [jq]=jq
  [redis-server]=redis-server
)
missing_packages=()
for tool in "${!tool_packages[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing_packages+=("${tool_packages[$tool]}")
done
if ((${#missing_packages[@]} > 0)); then
  if [[ $(id -u) -eq 0 ]]; then
    say "apt-get install ${missing_packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends "${missing_packages[@]}"
  else
    echo "test/run.sh: missing Debian packages: ${missing_packages[*]}" >&2
    echo "Install them, then run again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing_packages[*]}" >&2
    exit 2
  fi
fi

# ---- external corpora (read-only, never copied into the repo) ----
corpora="${IMGVERIFY_CORPORA:-../shared/corpora}"
if [[ -d "$corpora" ]]; then
  echo "corpora: $corpora"
else
  echo "!!!! WARNING: corpora folder '$corpora' does not exist." >&2
  echo "!!!! Suites that use the sigstore-conformance and other corpora will fail or skip." >&2
  echo "!!!! Set IMGVERIFY_CORPORA to the folder described in DESIGN.md." >&2
fi

# ---- stages ----
passed=0
failed=0
failed_names=()
stage() {
  local name=$1
  shift
  say "$name: $*"
  if "$@"; then
    passed=$((passed + 1))
    echo "---- $name: passed"
  else
    failed=$((failed + 1))
    failed_names+=("$name")
    echo "---- $name: FAILED"
  fi
}

stage lint npx biome check .
stage typecheck npm run typecheck
stage unit npx vitest run --project unit
stage integration npx vitest run --project integration
stage hostile npx vitest run --project hostile
stage load npx vitest run --project load
stage runtimes npm run test:runtimes
# Targets are printed, not enforced, on a shared machine; bench:check is the
# regression gate (ratios and request counts against bench/baseline.json).
stage "bench quick + check" bash -c 'npm run --silent bench -- --quick --advisory && npm run --silent bench:check'
# cel-spec's CEL conformance tests on every runtime (their data ship in node_modules).
export DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1
stage "cel conformance node" npm run --silent conformance:cel
stage "cel conformance bun" npm run --silent conformance:cel:bun
stage "cel conformance deno" npm run --silent conformance:cel:deno
stage "cel conformance workerd" npm run --silent conformance:cel:workerd
# The sigstore-conformance bundle cases, file and digest, on every runtime.
if [[ -d "$corpora/sigstore-conformance" ]]; then
  stage "conformance node" npm run --silent conformance
  stage "conformance bun" npm run --silent conformance:bun
  stage "conformance deno" npm run --silent conformance:deno
  stage "conformance workerd" npm run --silent conformance:workerd
  stage "conformance cli" npm run --silent conformance:cli
else
  say "conformance: NOT RUN: $corpora/sigstore-conformance is missing"
  failed=$((failed + 1))
  failed_names+=("conformance (corpora missing)")
fi

echo
if ((failed > 0)); then echo "failed stages: ${failed_names[*]}"; fi
echo "$passed passed, $failed failed"
((failed == 0))
