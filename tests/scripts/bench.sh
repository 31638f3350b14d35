#!/usr/bin/env bash
# make bench: see tests/Bench/Program.cs. BENCH_ECDSA / BENCH_RSA / BENCH_ACME / BENCH_CA_WARMUP / BENCH_ACME_WARMUP /
# BENCH_FLEET (member clusters) / BENCH_FLEET_CERTIFICATES (per member) change the counts (0 skips a phase),
# e.g. BENCH_ECDSA=10000 BENCH_RSA=0 make bench.
set -euo pipefail
cd "$(dirname "$0")/../.."
CONFIG=${CONFIG:-Release}
exec dotnet "tests/Bench/bin/$CONFIG/net10.0/certfleet-bench.dll" "$CONFIG"
