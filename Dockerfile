# The CertFleet silo image: docker build -t certfleet/certfleet:0.1.0 .   (the tag is the chart's appVersion)
# Runs as a numeric non-root user with a read-only root filesystem; the only writable place is /tmp, which the chart
# mounts as an emptyDir.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Project files first: the restore layer is reused until a project or package version changes.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY Interfaces/CertFleet.Interfaces.csproj Interfaces/
COPY Providers/CertFleet.Providers.csproj Providers/
COPY Grains/CertFleet.Grains.csproj Grains/
COPY Kubernetes.Bridge/CertFleet.Kubernetes.Bridge.csproj Kubernetes.Bridge/
COPY Silo/CertFleet.Silo.csproj Silo/
RUN dotnet restore Silo/CertFleet.Silo.csproj
COPY Interfaces/ Interfaces/
COPY Providers/ Providers/
COPY Grains/ Grains/
COPY Kubernetes.Bridge/ Kubernetes.Bridge/
COPY Silo/ Silo/
RUN dotnet publish Silo/CertFleet.Silo.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# The Public Suffix List the rate-limit budgets read (CertFleet__RateLimits__PublicSuffixListPath names another copy).
RUN apt-get update \
 && apt-get install -y --no-install-recommends publicsuffix \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
# Nothing is written outside /tmp: no diagnostics IPC socket, temp files and HOME (.NET's and ASP.NET's per-user
# folders) in /tmp. The silo's ports: 8080 health (and the dashboard when on), 8089 HTTP-01 solver, 9402 metrics,
# 11111 silo-to-silo, 30000 gateway.
ENV DOTNET_EnableDiagnostics=0 \
    TMPDIR=/tmp \
    HOME=/tmp
EXPOSE 8080 8089 9402 11111 30000
USER 65532:65532
ENTRYPOINT ["dotnet", "/app/certfleet-silo.dll"]
