# CertFleet: `make demo` and `make test` are all a fresh machine needs (after .ci/run's packages).
SHELL := /bin/bash
DOTNET ?= dotnet
CONFIG ?= Release
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1

.PHONY: build test demo bench crds emulator run conformance clean

build:
	$(DOTNET) build Orleans.sln -c $(CONFIG) -nologo -clp:ErrorsOnly

## Unit, grain, emulator, bridge and end-to-end tests, then kubectl conformance of the emulator.
test: build
	CONFIG=$(CONFIG) bash tests/scripts/test.sh

## Emulator + silo + examples/, then shows the result (DEMO_ONCE=1 exits when all are Ready).
demo: build
	CONFIG=$(CONFIG) bash tests/scripts/demo.sh

## Throughput and memory figures (see README).
bench: build
	CONFIG=$(CONFIG) bash tests/scripts/bench.sh

## Regenerates helm/certfleet/crds from the records in Interfaces/Api.
crds:
	$(DOTNET) run --project tests/CrdGenerator -c $(CONFIG) -- helm/certfleet/crds

## The Kubernetes API emulator alone, writing .run/kubeconfig (port 6443).
emulator: build
	mkdir -p .run && $(DOTNET) tests/KubeEmulator/bin/$(CONFIG)/net10.0/kube-emulator.dll --port 6443 --kubeconfig .run/kubeconfig

## The silo against KUBECONFIG (or .run/kubeconfig from `make emulator`).
run: build
	KUBECONFIG=$${KUBECONFIG:-$(CURDIR)/.run/kubeconfig} $(DOTNET) Silo/bin/$(CONFIG)/net10.0/certfleet-silo.dll

conformance: build
	bash tests/KubeEmulator/run-conformance.sh

clean:
	$(DOTNET) clean Orleans.sln -c $(CONFIG) -nologo -v q; rm -rf .run
