# Shared by demo.sh and bench.sh: start the emulator and a silo against it, stop them on exit.
# Expects CONFIG and RUN_DIR; sets KUBECONFIG.
start_emulator() {
  local port=${1:-0}
  dotnet "tests/KubeEmulator/bin/$CONFIG/net10.0/kube-emulator.dll" --port "$port" --kubeconfig "$RUN_DIR/kubeconfig" \
    >"$RUN_DIR/emulator.log" 2>&1 &
  EMULATOR_PID=$!
  for _ in $(seq 1 100); do [ -s "$RUN_DIR/kubeconfig" ] && break; sleep 0.1; done
  [ -s "$RUN_DIR/kubeconfig" ] || { echo "emulator did not start; see $RUN_DIR/emulator.log" >&2; cat "$RUN_DIR/emulator.log" >&2; return 1; }
  export KUBECONFIG="$RUN_DIR/kubeconfig"
  export KUBECACHEDIR="$RUN_DIR/kube-cache"
  for _ in $(seq 1 100); do kubectl get ns >/dev/null 2>&1 && break; sleep 0.1; done
}

start_silo() {
  CertFleet__Http__Port=${SILO_HTTP_PORT:-18080} \
  CertFleet__Orleans__SiloPort=${SILO_PORT:-21111} CertFleet__Orleans__GatewayPort=${GATEWAY_PORT:-40000} \
    dotnet "Silo/bin/$CONFIG/net10.0/certfleet-silo.dll" >"$RUN_DIR/silo.log" 2>&1 &
  SILO_PID=$!
}

stop_all() {
  [ -n "${SILO_PID:-}" ] && kill "$SILO_PID" 2>/dev/null
  [ -n "${EMULATOR_PID:-}" ] && kill "$EMULATOR_PID" 2>/dev/null
  wait 2>/dev/null
}

apply_crds() {
  kubectl apply -f helm/certfleet/crds/ >/dev/null
  for crd in $(ls helm/certfleet/crds/ | sed 's/\.yaml$//'); do
    kubectl wait --for=condition=Established "crd/$crd" --timeout=30s >/dev/null
  done
  kubectl create namespace cert-manager --dry-run=client -o yaml | kubectl apply -f - >/dev/null
}
