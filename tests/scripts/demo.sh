#!/usr/bin/env bash
# make demo: emulator + Pebble + silo + examples/ (the CA ones, then examples/acme/ with Pebble's URL and CA filled
# in), then the result as a platform engineer would look at it.
# DEMO_ONCE=1 exits 0 once every example Certificate is Ready (non-zero otherwise) instead of running until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/../.."
CONFIG=${CONFIG:-Release}
RUN_DIR=$(pwd)/.run/demo; rm -rf "$RUN_DIR"; mkdir -p "$RUN_DIR"
source tests/scripts/cluster.sh
trap stop_all EXIT

start_emulator 0
apply_crds
start_pebble
start_silo
echo "Emulator, Pebble ($PEBBLE_DIRECTORY) and silo started (logs in $RUN_DIR). Applying examples/ ..."
kubectl apply -f examples/
for f in examples/acme/*.yaml; do
  envsubst '$PEBBLE_DIRECTORY $PEBBLE_CA_BUNDLE' <"$f" | kubectl apply -f -
done

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

echo; echo "\$ kubectl get certificates,certificaterequests,orders,challenges -A"
kubectl get certificates,certificaterequests,orders,challenges -A
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

echo; echo "\$ kubectl describe order -n demo"
kubectl describe order -n demo
echo; echo "\$ openssl verify -CAfile pebble-root.crt -untrusted shop-tls.crt shop-tls.crt   (the ACME leaf against Pebble's root)"
curl -sf --cacert "$PEBBLE_LISTENER_CA" "$PEBBLE_MANAGEMENT/roots/0" >"$RUN_DIR/pebble-root.crt"
kubectl -n demo get secret shop-tls -o jsonpath='{.data.tls\.crt}' | base64 -d >"$RUN_DIR/shop-tls.crt"
printf '%-18s ' "shop-tls:"; openssl verify -CAfile "$RUN_DIR/pebble-root.crt" -untrusted "$RUN_DIR/shop-tls.crt" "$RUN_DIR/shop-tls.crt" | sed "s|$RUN_DIR/||"

if [ "${DEMO_ONCE:-0}" = 1 ]; then
  echo; echo "All example Certificates are Ready."
  exit 0
fi
echo; echo "CertFleet keeps running against the emulator (KUBECONFIG=$KUBECONFIG). Ctrl-C to stop."
wait "$SILO_PID"
