#!/usr/bin/env bash
# Runs the shared kubectl conformance checks against a freshly started kube-emulator.
# Usage: tests/KubeEmulator/run-conformance.sh [PATH/TO/kubectl-conformance.sh]
# Without an argument the checks are looked for at ../shared/checks/ beside the repository root
# (where CI puts shared/). Exits with the checks' status (2 if the emulator cannot be built or started).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
checks="${1:-$repo/../shared/checks/kubectl-conformance.sh}"
if [ ! -f "$checks" ]; then
  echo "conformance checks not found: $checks" >&2
  exit 2
fi

work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

if ! dotnet build "$here/CertFleet.KubeEmulator.csproj" -c Release --nologo -v quiet >"$work/build.log" 2>&1; then
  cat "$work/build.log" >&2
  exit 2
fi

# --port 0 picks a free port; the emulator prints its URL on stdout once it listens.
dotnet "$here/bin/Release/net10.0/kube-emulator.dll" --port 0 --kubeconfig "$work/kubeconfig" >"$work/url" 2>"$work/emulator.log" &
pid=$!
for _ in $(seq 1 300); do
  [ -s "$work/url" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    cat "$work/emulator.log" >&2
    exit 2
  fi
  sleep 0.1
done
if [ ! -s "$work/url" ]; then
  echo "kube-emulator did not start within 30 s" >&2
  cat "$work/emulator.log" >&2
  exit 2
fi
echo "kube-emulator listening at $(head -1 "$work/url")"

# The shared script's Ingress re-apply writes `cert-manager.io/cluster-issuer: y` unquoted; kubectl's YAML reader
# takes `y` for a boolean and refuses the file before sending anything (no server can pass it). Run a copy with
# that one value quoted; everything else is the shared script verbatim. A fixed upstream script makes this a no-op.
sed "s/{cert-manager.io\/cluster-issuer: y}/{cert-manager.io\/cluster-issuer: 'y'}/" "$checks" >"$work/kubectl-conformance.sh"
if ! diff -q "$checks" "$work/kubectl-conformance.sh" >/dev/null; then
  echo "note: running the shared checks with the Ingress annotation value 'y' quoted (kubectl reads a bare y as a boolean)"
fi

set +e
bash "$work/kubectl-conformance.sh" "$work/kubeconfig"
status=$?
set -e
exit "$status"
