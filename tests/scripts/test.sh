#!/usr/bin/env bash
# Runs every test project of Orleans.sln, then the kubectl conformance checks against the emulator, and prints one
# "N passed, N failed" line for the whole run. Exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
CONFIG=${CONFIG:-Release}
run=$(mktemp -d)
log=$run/test.log
passed=0; failed=0; status=0
# Every silo the suites start against the emulator records what it asks of the API here (one file per emulator);
# tests/Rbac.Tests, run last, checks the chart's RBAC against all of it.
export CERTFLEET_RBAC_AUDIT_DIR=$run/rbac-audit
echo "RBAC recordings: $CERTFLEET_RBAC_AUDIT_DIR"

projects=$(dotnet sln Orleans.sln list | grep -E '^tests/.*\.Tests\.csproj$')
for project in $(grep -v '^tests/Rbac\.Tests/' <<<"$projects") $(grep '^tests/Rbac\.Tests/' <<<"$projects"); do
  echo "== $(basename "$project" .csproj)"
  if ! dotnet test "$project" -c "$CONFIG" --no-build -nologo --logger "console;verbosity=minimal" 2>&1 | tee -a "$log"; then
    status=1
  fi
done
# VSTest prints one summary per project: "Passed!  - Failed: 0, Passed: 12, Skipped: 0, Total: 12 ..."
while read -r f p; do passed=$((passed + p)); failed=$((failed + f)); done < <(
  grep -E '(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+' "$log" | sed -E 's/.*Failed: +([0-9]+), Passed: +([0-9]+).*/\1 \2/')

echo "== kubectl conformance (../shared/checks/kubectl-conformance.sh)"
if bash tests/KubeEmulator/run-conformance.sh | tee "$log.conformance"; then :; else status=1; failed=$((failed + 1)); fi
passed=$((passed + $(grep -c '^ok ' "$log.conformance" || true)))

# The names of failed tests last, so that the tail of a CI log says which ones.
grep -E '^ +Failed [^ ]' "$log" | sed -E 's/^ +Failed ([^ ]+).*/failed: \1/' | sort -u | head -20
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
