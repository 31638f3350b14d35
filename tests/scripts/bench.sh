#!/usr/bin/env bash
# make bench: see tests/Bench/Program.cs. BENCH_ECDSA / BENCH_RSA / BENCH_ACME / BENCH_ACME_WARMUP change the counts.
set -euo pipefail
cd "$(dirname "$0")/../.."
CONFIG=${CONFIG:-Release}
exec dotnet "tests/Bench/bin/$CONFIG/net10.0/certfleet-bench.dll" "$CONFIG"
