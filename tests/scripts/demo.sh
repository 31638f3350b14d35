#!/usr/bin/env bash
# make demo: emulator + silo + examples/, then the result as a platform engineer would look at it.
# DEMO_ONCE=1 exits 0 once every example Certificate is Ready (non-zero otherwise) instead of running until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/../.."
CONFIG=${CONFIG:-Release}
RUN_DIR=$(pwd)/.run/demo; rm -rf "$RUN_DIR"; mkdir -p "$RUN_DIR"
source tests/scripts/cluster.sh
trap stop_all EXIT

start_emulator 0
apply_crds
start_silo
echo "Emulator and silo started (logs in $RUN_DIR). Applying examples/ ..."
kubectl apply -f examples/

certs=$(kubectl get certificates -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}{"\n"}{end}')
deadline=$((SECONDS + ${DEMO_TIMEOUT:-120}))
for c in $certs; do
  until [ "$(kubectl -n "${c%/*}" get certificate "${c#*/}" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]; do
    if [ $SECONDS -gt $deadline ]; then
      echo "Certificate $c is not Ready:"; kubectl -n "${c%/*}" describe certificate "${c#*/}"; tail -50 "$RUN_DIR/silo.log"; exit 1
    fi
    sleep 0.5
  done
done

echo; echo "\$ kubectl get certificates,certificaterequests -A"
kubectl get certificates,certificaterequests -A
echo; echo "\$ kubectl get certificates -n demo -o wide"
kubectl get certificates -n demo -o wide
echo; echo "\$ kubectl describe certificate web-rsa -n demo"
kubectl describe certificate web-rsa -n demo
echo; echo "\$ openssl verify -CAfile ca.crt tls.crt   (each leaf against the demo CA)"
kubectl -n demo get secret demo-ca-tls -o jsonpath='{.data.tls\.crt}' | base64 -d >"$RUN_DIR/ca.crt"
for s in web-rsa-tls api-ecdsa-tls edge-ed25519-tls; do
  kubectl -n demo get secret "$s" -o jsonpath='{.data.tls\.crt}' | base64 -d >"$RUN_DIR/$s.crt"
  printf '%-18s ' "$s:"; openssl verify -CAfile "$RUN_DIR/ca.crt" "$RUN_DIR/$s.crt" | sed "s|$RUN_DIR/||"
done

if [ "${DEMO_ONCE:-0}" = 1 ]; then
  echo; echo "All example Certificates are Ready."
  exit 0
fi
echo; echo "CertFleet keeps running against the emulator (KUBECONFIG=$KUBECONFIG). Ctrl-C to stop."
wait "$SILO_PID"
