# Used by demo.sh: start the emulator, Pebble and a silo against them, stop them on exit.
# Expects CONFIG and RUN_DIR; sets KUBECONFIG and the PEBBLE_* variables.
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

# A 127.0.0.1 port with no TCP or UDP socket on it (challtestsrv's DNS binds both).
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 20000))
    [ -z "$(ss -Htuan "sport = :$port")" ] && { echo "$port"; return; }
  done
}

# Debian's Pebble and pebble-challtestsrv on loopback. challtestsrv serves only the DNS that Pebble and the silo's
# self-check resolve through (every name is 127.0.0.1); Pebble validates HTTP-01 on the silo's solver port.
# Sets SOLVER_PORT, PEBBLE_DIRECTORY, PEBBLE_CA_BUNDLE (base64 of PEBBLE_LISTENER_CA), PEBBLE_MANAGEMENT, PEBBLE_DNS.
start_pebble() {
  local dir="$RUN_DIR/pebble" acme_port management_port dns_port challenge_port
  mkdir -p "$dir"
  SOLVER_PORT=${SOLVER_PORT:-$(free_port)}
  acme_port=$(free_port); management_port=$(free_port); dns_port=$(free_port); challenge_port=$(free_port)
  /usr/bin/pebble-challtestsrv -management "127.0.0.1:$challenge_port" -dns01 "127.0.0.1:$dns_port" \
    -http01 "" -https01 "" -tlsalpn01 "" -defaultIPv4 127.0.0.1 -defaultIPv6 "" >"$RUN_DIR/challtestsrv.log" 2>&1 &
  CHALLTESTSRV_PID=$!

  # Pebble's listener certificate for 127.0.0.1 and localhost, from a throwaway CA that the ClusterIssuer's caBundle trusts.
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 7 -subj "/CN=CertFleet demo Pebble listener CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
    -keyout "$dir/listener.key" -out "$dir/listener.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$dir/listener.ext"
  openssl x509 -req -in "$dir/listener.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 7 \
    -extfile "$dir/listener.ext" -out "$dir/listener.crt" 2>/dev/null

  # tlsPort is a port nothing listens on: the demo uses HTTP-01 only.
  cat >"$dir/pebble-config.json" <<JSON
{
  "pebble": {
    "listenAddress": "127.0.0.1:$acme_port",
    "managementListenAddress": "127.0.0.1:$management_port",
    "certificate": "$dir/listener.crt",
    "privateKey": "$dir/listener.key",
    "httpPort": $SOLVER_PORT,
    "tlsPort": $(free_port),
    "ocspResponderURL": "",
    "externalAccountBindingRequired": false
  }
}
JSON
  # PEBBLE_VA_NOSLEEP: validate at once rather than after a random 0-15 s.
  PEBBLE_VA_NOSLEEP=1 /usr/bin/pebble -config "$dir/pebble-config.json" -dnsserver "127.0.0.1:$dns_port" \
    >"$RUN_DIR/pebble.log" 2>&1 &
  PEBBLE_PID=$!

  export PEBBLE_DIRECTORY="https://127.0.0.1:$acme_port/dir" PEBBLE_MANAGEMENT="https://127.0.0.1:$management_port"
  export PEBBLE_LISTENER_CA="$dir/ca.crt" PEBBLE_DNS="127.0.0.1:$dns_port"
  PEBBLE_CA_BUNDLE=$(base64 -w0 "$dir/ca.crt"); export PEBBLE_CA_BUNDLE
  for _ in $(seq 1 100); do curl -sf --cacert "$PEBBLE_LISTENER_CA" "$PEBBLE_DIRECTORY" >/dev/null && return; sleep 0.1; done
  echo "pebble did not start; see $RUN_DIR/pebble.log" >&2; cat "$RUN_DIR/pebble.log" "$RUN_DIR/challtestsrv.log" >&2; return 1
}

# After start_pebble: the HTTP-01 self-check and the CAA preflight resolve through Pebble's DNS, and the self-check
# connects to the solver port, as Pebble does.
start_silo() {
  CertFleet__Http__Port=${SILO_HTTP_PORT:-18080} CertFleet__Metrics__Port=${METRICS_PORT:-19402} \
  CertFleet__Orleans__SiloPort=${SILO_PORT:-21111} CertFleet__Orleans__GatewayPort=${GATEWAY_PORT:-40000} \
  CertFleet__Http01__SolverPort=$SOLVER_PORT CertFleet__Http01__SelfCheckPort=$SOLVER_PORT \
  CertFleet__Http01__Nameservers__0=$PEBBLE_DNS CertFleet__Dns01__RecursiveNameservers__0=$PEBBLE_DNS \
    dotnet "Silo/bin/$CONFIG/net10.0/certfleet-silo.dll" >"$RUN_DIR/silo.log" 2>&1 &
  SILO_PID=$!
}

stop_all() {
  [ -n "${SILO_PID:-}" ] && kill "$SILO_PID" 2>/dev/null
  [ -n "${EMULATOR_PID:-}" ] && kill "$EMULATOR_PID" 2>/dev/null
  [ -n "${PEBBLE_PID:-}" ] && kill "$PEBBLE_PID" 2>/dev/null
  [ -n "${CHALLTESTSRV_PID:-}" ] && kill "$CHALLTESTSRV_PID" 2>/dev/null
  wait 2>/dev/null
}

apply_crds() {
  kubectl apply -f helm/certfleet/crds/ >/dev/null
  for crd in $(ls helm/certfleet/crds/ | sed 's/\.yaml$//'); do
    kubectl wait --for=condition=Established "crd/$crd" --timeout=30s >/dev/null
  done
  kubectl create namespace cert-manager --dry-run=client -o yaml | kubectl apply -f - >/dev/null
}
