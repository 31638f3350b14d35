using System.Collections.Concurrent;
using System.Text.Json;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;

namespace CertFleet.Grains.Tests;

/// <summary>
/// An in-memory stand-in for the bridge's ports: Secrets, written statuses, CertificateRequests and Events, so grain
/// tests can assert exactly what would have reached the Kubernetes API.
/// </summary>
public sealed class FakeCluster : IClusterWriter, IClusterReader, IClusterMembership, IFleetMembers
{
    /// <summary>Clusters that left the fleet (<see cref="IClusterMembership.HasLeft"/>); none unless a test says so.</summary>
    public ConcurrentDictionary<string, bool> LeftClusters { get; } = new();

    public bool HasLeft(string cluster) => LeftClusters.ContainsKey(cluster);

    private long _resourceVersion;
    private int _generated;

    public ConcurrentDictionary<ObjectKey, SecretData> Secrets { get; } = new();
    public ConcurrentDictionary<(string Plural, ObjectKey Key), string> Statuses { get; } = new();
    public ConcurrentDictionary<ObjectKey, CertificateRequest> Requests { get; } = new();
    public ConcurrentQueue<EventRecord> Events { get; } = new();
    public ConcurrentQueue<string> Deleted { get; } = new();
    /// <summary>Orders, Challenges and other resources created through CreateResourceAsync, as JSON with a uid.</summary>
    public ConcurrentDictionary<(string Plural, ObjectKey Key), string> Resources { get; } = new();
    public ConcurrentDictionary<ObjectKey, SolverRoute> SolverRoutes { get; } = new();
    public ConcurrentQueue<string> RemovedFinalizers { get; } = new();

    /// <summary>Certificates applied through ApplyOwnedCertificateAsync (the home Certificates of FleetCertificates).</summary>
    public ConcurrentDictionary<ObjectKey, Certificate> Certificates { get; } = new();

    /// <summary>The fleet's members as the grains see them; the home cluster "home" alone unless a test says otherwise.</summary>
    public IReadOnlyList<FleetMember> Members { get; set; } = [new("home", true, new Dictionary<string, string>())];

    IReadOnlyList<FleetMember> IFleetMembers.Current => Members;

    /// <summary>Clusters whose API server does not answer: every Secret read or write there fails.</summary>
    public ConcurrentDictionary<string, bool> UnreachableClusters { get; } = new();

    /// <summary>Namespaces whose status writes fail as an unavailable API server would.</summary>
    public ConcurrentDictionary<string, bool> FailingStatusNamespaces { get; } = new();

    /// <summary>Namespaces whose next status write throws what no grain expects (a bug, say): taken by that write.</summary>
    public ConcurrentDictionary<string, bool> UnexpectedStatusFailures { get; } = new();

    public T? Status<T>(ResourceKind kind, ObjectKey key) where T : class =>
        Statuses.TryGetValue((kind.Plural, key), out var json) ? JsonSerializer.Deserialize<T>(json, ApiJson.Options) : null;

    /// <summary>Namespaces deleted behind the grains' backs: status writes there answer 404, as for a deleted object.</summary>
    public ConcurrentDictionary<string, bool> GoneNamespaces { get; } = new();

    public Task<string> WriteStatusAsync<TStatus>(ResourceKind kind, ObjectKey key, TStatus status, CancellationToken ct = default) where TStatus : class
    {
        if (GoneNamespaces.ContainsKey(key.Namespace))
            throw new ClusterWriteException($"writing status of {kind.Kind} {key}: the API server answered 404 NotFound (test)") { StatusCode = 404 };
        if (FailingStatusNamespaces.ContainsKey(key.Namespace))
            throw new ClusterWriteException($"writing status of {kind.Kind} {key}: the API server answered 503 (test)") { StatusCode = 503 };
        if (UnexpectedStatusFailures.TryRemove(key.Namespace, out _))
            throw new InvalidOperationException($"writing status of {kind.Kind} {key}: an unexpected failure (test)");
        Statuses[(kind.Plural, key)] = JsonSerializer.Serialize(status, ApiJson.Options);
        return Task.FromResult(NextResourceVersion());
    }

    /// <summary>As the API server does, a created request gets a uid (ACME Orders are owned by it) and a resourceVersion.</summary>
    public Task<CertificateRequest> CreateCertificateRequestAsync(ObjectKey key, CertificateRequest request, CancellationToken ct = default) =>
        Task.FromResult(Requests.GetOrAdd(key, _ => request with
        {
            Metadata = request.Metadata with { Uid = request.Metadata.Uid ?? Guid.NewGuid().ToString(), ResourceVersion = NextResourceVersion() },
        }));

    /// <summary>Approvals the built-in approver wrote to a request's status (the rest of its status left alone).</summary>
    public ConcurrentDictionary<ObjectKey, CertificateRequestCondition> Approvals { get; } = new();

    public Task<string?> ApproveCertificateRequestAsync(ObjectKey key, CertificateRequestCondition approved, CancellationToken ct = default) =>
        Task.FromResult(Approvals.TryAdd(key, approved) ? NextResourceVersion() : null);

    public Task DeleteAsync(ResourceKind kind, ObjectKey key, CancellationToken ct = default)
    {
        ThrowIfUnreachable(key);
        if (kind == ResourceKind.Certificate) Certificates.TryRemove(key, out _);
        Deleted.Enqueue($"{kind.Plural}/{key}");
        if (kind == ResourceKind.Secret) Secrets.TryRemove(key, out _);
        if (kind == ResourceKind.CertificateRequest) Requests.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    public Task<Certificate?> ApplyOwnedCertificateAsync(ObjectKey key, Certificate certificate, string ownerLabel, CancellationToken ct = default)
    {
        var owner = certificate.Metadata.Labels![ownerLabel];
        if (Certificates.TryGetValue(key, out var existing) && existing.Metadata.Labels?.GetValueOrDefault(ownerLabel) != owner)
            return Task.FromResult<Certificate?>(null);
        var stored = Certificates.AddOrUpdate(key,
            _ => certificate with { Metadata = certificate.Metadata with { Uid = Guid.NewGuid().ToString(), ResourceVersion = NextResourceVersion() } },
            (_, old) => old with { Spec = certificate.Spec, Metadata = old.Metadata with { OwnerReferences = certificate.Metadata.OwnerReferences } });
        return Task.FromResult<Certificate?>(stored);
    }

    public Task<string> ApplySecretAsync(SecretData secret, IReadOnlyCollection<string> removeKeys, bool likelyNew = false, CancellationToken ct = default)
    {
        ThrowIfUnreachable(secret.Key);
        var rv = NextResourceVersion();
        Secrets.AddOrUpdate(secret.Key, _ => secret with { ResourceVersion = rv, Uid = Guid.NewGuid().ToString() }, (_, existing) =>
        {
            var data = new Dictionary<string, byte[]>(existing.Data);
            foreach (var (k, v) in secret.Data) data[k] = v;
            foreach (var k in removeKeys) data.Remove(k);
            var labels = new Dictionary<string, string>(existing.Labels);
            foreach (var (k, v) in secret.Labels) labels[k] = v;
            var annotations = new Dictionary<string, string>(existing.Annotations);
            foreach (var (k, v) in secret.Annotations) annotations[k] = v;
            return existing with { Data = data, Labels = labels, Annotations = annotations, ResourceVersion = rv };
        });
        return Task.FromResult(rv);
    }

    public Task<string> CreateSecretAsync(string generateName, SecretData secret, CancellationToken ct = default)
    {
        var name = $"{generateName}{Interlocked.Increment(ref _generated):00000}";
        var key = secret.Key.WithName(name);
        Secrets[key] = secret with { Key = key, ResourceVersion = NextResourceVersion(), Uid = Guid.NewGuid().ToString() };
        return Task.FromResult(name);
    }

    public Task<TResource> CreateResourceAsync<TResource>(ResourceKind kind, ObjectKey key, TResource resource, CancellationToken ct = default)
        where TResource : class
    {
        var json = Resources.GetOrAdd((kind.Plural, key), _ =>
        {
            var node = JsonSerializer.SerializeToNode(resource, ApiJson.Options)!.AsObject();
            node["metadata"]!["uid"] = Guid.NewGuid().ToString();
            node["metadata"]!["resourceVersion"] = NextResourceVersion();
            return node.ToJsonString();
        });
        return Task.FromResult(JsonSerializer.Deserialize<TResource>(json, ApiJson.Options)!);
    }

    public Task<string?> RemoveFinalizerAsync(ResourceKind kind, ObjectKey key, string finalizer, CancellationToken ct = default)
    {
        RemovedFinalizers.Enqueue($"{kind.Plural}/{key}/{finalizer}");
        return Task.FromResult<string?>(NextResourceVersion());
    }

    /// <summary>Solver route writes by cluster, failed ones included.</summary>
    public ConcurrentDictionary<string, int> SolverRouteWrites { get; } = new();

    public Task ApplySolverRouteAsync(SolverRoute route, CancellationToken ct = default)
    {
        ThrowIfUnreachable(route);
        SolverRoutes[route.Challenge] = route;
        return Task.CompletedTask;
    }

    public Task DeleteSolverRouteAsync(SolverRoute route, CancellationToken ct = default)
    {
        ThrowIfUnreachable(route);
        SolverRoutes.TryRemove(route.Challenge, out _);
        return Task.CompletedTask;
    }

    /// <summary>Counts a solver route write, which fails in a cluster that left the fleet or does not answer.</summary>
    private void ThrowIfUnreachable(SolverRoute route)
    {
        SolverRouteWrites.AddOrUpdate(route.Challenge.Cluster, 1, (_, writes) => writes + 1);
        if (LeftClusters.ContainsKey(route.Challenge.Cluster))
            throw new ClusterWriteException($"cluster \"{route.Challenge.Cluster}\" is not a member of the fleet (test)") { StatusCode = ClusterWriteException.NotMemberStatus };
        ThrowIfUnreachable(route.Challenge);
    }

    public Task RecordEventAsync(EventRecord record, CancellationToken ct = default)
    {
        Events.Enqueue(record);
        return Task.CompletedTask;
    }

    /// <summary>Reads of these Secrets wait until the test completes the gate: a slow API server, for one object.</summary>
    public ConcurrentDictionary<ObjectKey, TaskCompletionSource> SecretReadGates { get; } = new();

    public async Task<SecretData?> GetSecretAsync(ObjectKey key, CancellationToken ct = default)
    {
        if (SecretReadGates.TryGetValue(key, out var gate))
            await gate.Task;
        ThrowIfUnreachable(key);
        return Secrets.TryGetValue(key, out var secret) ? secret : null;
    }

    /// <summary>No grain test uses ServiceAccounts: every token request is answered as "not found".</summary>
    public Task<ServiceAccountToken?> RequestServiceAccountTokenAsync(
        ObjectKey serviceAccount, IReadOnlyList<string> audiences, TimeSpan lifetime, CancellationToken ct = default) =>
        Task.FromResult<ServiceAccountToken?>(null);

    /// <summary>Puts a Secret in place as a user would (kubectl create secret tls ...).</summary>
    public void PutSecret(ObjectKey key, Dictionary<string, string> data) =>
        Secrets[key] = new SecretData
        {
            Key = key,
            Type = SecretKeys.TlsSecretType,
            Data = data.ToDictionary(d => d.Key, d => System.Text.Encoding.UTF8.GetBytes(d.Value)),
            ResourceVersion = NextResourceVersion(),
            Uid = Guid.NewGuid().ToString(),
        };

    private void ThrowIfUnreachable(ObjectKey key)
    {
        if (UnreachableClusters.ContainsKey(key.Cluster))
            throw new ClusterWriteException($"reading or writing {key} in cluster \"{key.Cluster}\": no answer within 10 s (test)");
    }

    /// <summary>The next version this fake API server hands out, as it does for every write; tests use it for changes by others.</summary>
    public string NextResourceVersion() => Interlocked.Increment(ref _resourceVersion).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
