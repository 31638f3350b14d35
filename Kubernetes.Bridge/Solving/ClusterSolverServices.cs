using System.Text.Json;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge.Dispatch;
using CertFleet.Kubernetes.Bridge.Events;
using CertFleet.Kubernetes.Bridge.Watching;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace CertFleet.Kubernetes.Bridge.Solving;

/// <summary>
/// Keeps, while this silo leads the cluster, the solver Service and its EndpointSlices in every namespace with a live
/// HTTP-01 Challenge, so the Ingresses and HTTPRoutes the Challenges make reach the silos as installed; removes them
/// when no Challenge there needs them. The silo addresses are the release Service's EndpointSlices (see
/// <see cref="SolverServiceOptions.SiloServiceName"/>). A Service of that name that CertFleet did not make is left
/// alone, and each Challenge of its namespace gets a Warning Event saying so.
/// </summary>
public sealed class ClusterSolverServices(ClusterConnection connection, EventRecorder events, SolverServiceOptions options, ILoggerFactory loggers)
{
    public const string ServiceNotOwnedReason = "SolverServiceNotOwned";
    private const string Component = "cert-manager-challenges";

    /// <summary>Namespaces synced at once; each sync is a handful of requests.</summary>
    private const int Concurrency = 4;

    private readonly ILogger _logger = loggers.CreateLogger<ClusterSolverServices>();
    private readonly Lock _lock = new();
    /// <summary>Live HTTP-01 Challenges by namespace: name → uid.</summary>
    private readonly Dictionary<string, Dictionary<string, string>> _challenges = new();
    private readonly Dictionary<string, SolverServiceObjects.SiloSlice> _siloSlices = new();
    /// <summary>Namespaces that may hold a solver Service of ours: synced when the silos change, until one finds none.</summary>
    private readonly HashSet<string> _kept = new();
    /// <summary>Challenges told that a foreign Service is in the way, so that each is told once while it lasts.</summary>
    private readonly HashSet<(string Namespace, string Name)> _toldNotOwned = new();
    private CoalescingDispatcher<string, string>? _dispatcher;

    public async Task RunAsync(CancellationToken ct)
    {
        if (!options.KeepsServices)
            return;
        var dispatcher = new CoalescingDispatcher<string, string>(SyncAsync, _ => false, Concurrency,
            loggers.CreateLogger<CoalescingDispatcher<string, string>>());
        _dispatcher = dispatcher;
        var reflectorLogger = loggers.CreateLogger<Reflector>();
        IResourceSource[] sources =
        [
            new CustomResourceSource(connection, ResourceKind.Challenge, json => ChallengeView.Read(json), reflectorLogger),
            new CustomResourceSource(connection, ResourceKind.EndpointSlice, json => SolverServiceObjects.SiloSlice.Read(json), reflectorLogger,
                labelSelector: $"{SolverServiceObjects.ServiceNameLabel}={options.SiloServiceName}", ns: options.SiloServiceNamespace),
        ];
        var reflectors = sources.Select(source => new Reflector(source, connection.Name, Observe, reflectorLogger));
        await Task.WhenAll([dispatcher.RunAsync(ct), FindKeptAsync(ct), .. reflectors.Select(reflector => reflector.RunAsync(ct))]);
    }

    /// <summary>
    /// Solver Services left by an earlier term (their Challenges may have gone while no silo led) are synced once, which
    /// removes those no Challenge needs.
    /// </summary>
    private async Task FindKeptAsync(CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var services = await connection.SendAsync((client, t) => client.CoreV1.ListServiceForAllNamespacesAsync(
                    labelSelector: $"{SolverServiceObjects.ManagedByLabel}={SolverServiceObjects.ManagedBy}", cancellationToken: t), ct);
                foreach (var service in services.Items.Where(service => service.Metadata.Name == options.ServiceName))
                    Enqueue(service.Metadata.NamespaceProperty);
                return;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                _logger.LogInformation("Listing solver Services on cluster {Cluster} failed ({Error}); trying again", connection.Name, exception.Message);
                await Task.Delay(RetryBackoffs.Watch.Delay(attempt), ct);
            }
        }
    }

    private void Observe(ObjectChange change)
    {
        if (change.Resource == CustomResourceSource.NameOf(ResourceKind.EndpointSlice))
        {
            List<string> kept;
            lock (_lock)
            {
                if (change.Object is SolverServiceObjects.SiloSlice slice)
                    _siloSlices[change.Key.Name] = slice;
                else
                    _siloSlices.Remove(change.Key.Name);
                kept = [.. _kept];
            }
            foreach (var keptNamespace in kept)
                Enqueue(keptNamespace);
            return;
        }

        var ns = change.Key.Namespace;
        lock (_lock)
        {
            _challenges.TryGetValue(ns, out var live);
            bool changed;
            if (change.Object is ChallengeView { NeedsSolverService: true })
            {
                live ??= _challenges[ns] = new Dictionary<string, string>();
                changed = live.GetValueOrDefault(change.Key.Name) != change.Uid;
                live[change.Key.Name] = change.Uid;
            }
            else
            {
                changed = live?.Remove(change.Key.Name) == true;
            }
            if (live is { Count: 0 })
                _challenges.Remove(ns);
            if (!changed)
                return;
        }
        Enqueue(ns);
    }

    private void Enqueue(string ns)
    {
        lock (_lock)
            _kept.Add(ns);
        _dispatcher!.Enqueue(ns, ns);
    }

    /// <summary>Brings one namespace's solver Service and slices to what its Challenges and the silos need now.</summary>
    private async Task SyncAsync(string ns, CancellationToken ct)
    {
        Dictionary<string, string> challenges;
        Dictionary<string, List<V1Endpoint>> silos;
        lock (_lock)
        {
            challenges = _challenges.TryGetValue(ns, out var live) ? new Dictionary<string, string>(live) : [];
            silos = SolverServiceObjects.SiloEndpoints(_siloSlices.Values);
        }

        var service = await ReadServiceAsync(ns, ct);
        if (service is not null && !SolverServiceObjects.IsOurs(service.Metadata))
        {
            await TellNotOwnedAsync(ns, challenges, ct);
            Forget(ns);
            return;
        }
        lock (_lock)
            _toldNotOwned.RemoveWhere(told => told.Namespace == ns);

        if (challenges.Count == 0)
        {
            if (service is not null)
                await RemoveAsync(ns, ct);
            Forget(ns);
            return;
        }

        service = await EnsureServiceAsync(ns, service, ct);
        foreach (var addressType in SolverServiceObjects.AddressTypes)
        {
            var name = SolverServiceObjects.SliceName(options.ServiceName, addressType);
            await (silos.TryGetValue(addressType, out var endpoints)
                ? EnsureSliceAsync(SolverServiceObjects.Slice(ns, service, addressType, endpoints, options), ct)
                : DeleteSliceAsync(ns, name, ct));
        }
    }

    private void Forget(string ns)
    {
        lock (_lock)
        {
            if (!_challenges.ContainsKey(ns))
                _kept.Remove(ns);
        }
    }

    private Task<V1Service?> ReadServiceAsync(string ns, CancellationToken ct) =>
        connection.RunAsync<V1Service?>($"reading Service {ns}/{options.ServiceName}", async token =>
        {
            try
            {
                return await connection.SendAsync((client, t) => client.CoreV1.ReadNamespacedServiceAsync(options.ServiceName, ns, cancellationToken: t), token);
            }
            catch (Exception exception) when (ApiError.From(exception) is { IsNotFound: true })
            {
                return null;
            }
        }, ct);

    private async Task<V1Service> EnsureServiceAsync(string ns, V1Service? current, CancellationToken ct)
    {
        if (current is not null && SolverServiceObjects.ServesSolverPort(current, options))
            return current;
        var desired = SolverServiceObjects.Service(ns, options);
        if (current is null)
        {
            // A 409 (made meanwhile, by us or anyone) fails this sync; the retry reads what is there.
            return await connection.RunAsync($"creating Service {ns}/{options.ServiceName}", token => connection.SendAsync((client, t) =>
                client.CoreV1.CreateNamespacedServiceAsync(desired, ns, fieldManager: ClusterWriter.FieldManager, cancellationToken: t), token), ct);
        }
        // Ours but changed (another solver port, or edited): put the port back, keeping the allocated cluster IPs.
        current.Spec.Selector = null;
        current.Spec.Ports = desired.Spec.Ports;
        return await connection.RunAsync($"updating Service {ns}/{options.ServiceName}", token => connection.SendAsync((client, t) =>
            client.CoreV1.ReplaceNamespacedServiceAsync(current, options.ServiceName, ns, fieldManager: ClusterWriter.FieldManager, cancellationToken: t), token), ct);
    }

    private Task EnsureSliceAsync(V1EndpointSlice desired, CancellationToken ct)
    {
        var ns = desired.Metadata.NamespaceProperty;
        var name = desired.Metadata.Name;
        return connection.RunAsync($"writing EndpointSlice {ns}/{name}", async token =>
        {
            V1EndpointSlice? current = null;
            try
            {
                current = await connection.SendAsync((client, t) => client.DiscoveryV1.ReadNamespacedEndpointSliceAsync(name, ns, cancellationToken: t), token);
            }
            catch (Exception exception) when (ApiError.From(exception) is { IsNotFound: true })
            {
            }
            if (current is null)
            {
                await connection.SendAsync((client, t) => client.DiscoveryV1.CreateNamespacedEndpointSliceAsync(desired, ns,
                    fieldManager: ClusterWriter.FieldManager, cancellationToken: t), token);
                return;
            }
            if (!SolverServiceObjects.IsOurs(current.Metadata))
            {
                _logger.LogWarning("EndpointSlice {Namespace}/{Name} was not made by CertFleet and is left alone", ns, name);
                return;
            }
            if (SolverServiceObjects.SameContent(current, desired))
                return;
            // The resourceVersion read makes this conditional: a 409 re-reads on the retry.
            desired.Metadata.ResourceVersion = current.Metadata.ResourceVersion;
            await connection.SendAsync((client, t) => client.DiscoveryV1.ReplaceNamespacedEndpointSliceAsync(desired, name, ns,
                fieldManager: ClusterWriter.FieldManager, cancellationToken: t), token);
        }, ct);
    }

    private Task DeleteSliceAsync(string ns, string name, CancellationToken ct) =>
        connection.RunAsync($"deleting EndpointSlice {ns}/{name}", async token =>
        {
            try
            {
                var current = await connection.SendAsync((client, t) => client.DiscoveryV1.ReadNamespacedEndpointSliceAsync(name, ns, cancellationToken: t), token);
                if (!SolverServiceObjects.IsOurs(current.Metadata))
                    return;
                await connection.SendAsync((client, t) => client.DiscoveryV1.DeleteNamespacedEndpointSliceAsync(name, ns,
                    body: new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = current.Metadata.Uid } }, cancellationToken: t), token);
            }
            catch (Exception exception) when (ApiError.From(exception) is { IsNotFound: true })
            {
            }
        }, ct);

    /// <summary>The slices first, so no slice outlives its Service even where garbage collection is slow.</summary>
    private async Task RemoveAsync(string ns, CancellationToken ct)
    {
        foreach (var addressType in SolverServiceObjects.AddressTypes)
            await DeleteSliceAsync(ns, SolverServiceObjects.SliceName(options.ServiceName, addressType), ct);
        await connection.RunAsync($"deleting Service {ns}/{options.ServiceName}", async token =>
        {
            try
            {
                var current = await connection.SendAsync((client, t) => client.CoreV1.ReadNamespacedServiceAsync(options.ServiceName, ns, cancellationToken: t), token);
                if (!SolverServiceObjects.IsOurs(current.Metadata))
                    return;
                // The uid precondition keeps a Service someone made meanwhile under that name from being deleted.
                await connection.SendAsync((client, t) => client.CoreV1.DeleteNamespacedServiceAsync(options.ServiceName, ns,
                    body: new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = current.Metadata.Uid } }, cancellationToken: t), token);
            }
            catch (Exception exception) when (ApiError.From(exception) is { IsNotFound: true })
            {
            }
        }, ct);
    }

    private async Task TellNotOwnedAsync(string ns, Dictionary<string, string> challenges, CancellationToken ct)
    {
        List<KeyValuePair<string, string>> untold;
        lock (_lock)
        {
            _toldNotOwned.RemoveWhere(told => told.Namespace == ns && !challenges.ContainsKey(told.Name));
            untold = [.. challenges.Where(challenge => _toldNotOwned.Add((ns, challenge.Key)))];
        }
        if (untold.Count > 0)
            _logger.LogWarning("Service {Namespace}/{Name} was not made by CertFleet; HTTP-01 solver routes there cannot reach the silos", ns, options.ServiceName);
        var message = $"Service \"{options.ServiceName}\" in namespace \"{ns}\" was not made by CertFleet (it lacks the label " +
                      $"{SolverServiceObjects.ManagedByLabel}={SolverServiceObjects.ManagedBy}), so it is left unchanged and this Challenge's " +
                      "HTTP-01 solver route cannot reach the silos through it: delete or rename that Service, or give CertFleet another " +
                      "solver Service name (CertFleet__Http01__SolverServiceName)";
        foreach (var (name, uid) in untold)
            await events.RecordAsync(new EventRecord(ResourceKind.Challenge, new ObjectKey(connection.Name, ns, name), uid,
                EventRecord.Warning, ServiceNotOwnedReason, message, Component), ct);
    }

    /// <summary>What the solver Services need of a Challenge: whether it is an HTTP-01 one that may still be routed to.</summary>
    private sealed record ChallengeView(bool NeedsSolverService)
    {
        public static ChallengeView Read(JsonElement json)
        {
            var type = json.TryGetProperty("spec", out var spec) && spec.TryGetProperty("type", out var t) ? t.GetString() : null;
            var state = json.TryGetProperty("status", out var status) && status.TryGetProperty("state", out var s) && s.ValueKind == JsonValueKind.String
                ? s.GetString()
                : null;
            return new ChallengeView(type == ChallengeTypes.Http01 && !OrderStates.IsFinal(state));
        }
    }
}
