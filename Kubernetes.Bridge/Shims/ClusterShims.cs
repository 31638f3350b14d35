using System.Text.Json;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge.Dispatch;
using CertFleet.Kubernetes.Bridge.Events;
using CertFleet.Kubernetes.Bridge.Watching;
using k8s;
using Microsoft.Extensions.Logging;

namespace CertFleet.Kubernetes.Bridge.Shims;

/// <summary>
/// ingress-shim and gateway-shim for one cluster, run by its leader: watches Ingresses and Gateways (and
/// Certificates, to put back or re-check what they stand for), keeps one Certificate per TLS Secret as
/// <see cref="CertificateShim"/> plans it, and tells the object's owner through Events: CreateCertificate,
/// UpdateCertificate, DeleteCertificate, BadConfig, and a Warning when a host is not covered by the Certificate that
/// writes its Secret. Problems are reported once while they last, not at every resync.
/// </summary>
public sealed class ClusterShims(ClusterConnection connection, EventRecorder events, ShimOptions options, ILoggerFactory loggers)
{
    public const string CreateCertificateReason = "CreateCertificate";
    public const string UpdateCertificateReason = "UpdateCertificate";
    public const string DeleteCertificateReason = "DeleteCertificate";
    public const string BadConfigReason = "BadConfig";
    public const string HostNotCoveredReason = "HostNotCovered";
    public const string CertificateNotOwnedReason = "CertificateNotOwned";

    /// <summary>Syncs in flight; each is a handful of API requests, so a few suffice.</summary>
    private const int Concurrency = 4;

    private readonly ILogger _logger = loggers.CreateLogger<ClusterShims>();
    private readonly Dictionary<ShimKey, IngressLike> _objects = new();
    private readonly Dictionary<ShimKey, HashSet<(string Reason, string Message)>> _reported = new();
    private readonly Dictionary<(string Namespace, string Name), long> _certificateGenerations = new();
    private readonly Lock _lock = new();
    private CoalescingDispatcher<ShimKey, ShimWork>? _dispatcher;

    private readonly record struct ShimKey(ShimSourceKind Kind, string Namespace, string Name);

    /// <summary>An object to sync, or (null) the object of that key is gone.</summary>
    private sealed record ShimWork(ShimKey Key, IngressLike? Object);

    public async Task RunAsync(CancellationToken ct)
    {
        var dispatcher = new CoalescingDispatcher<ShimKey, ShimWork>(DeliverAsync, work => work.Object is null, Concurrency,
            loggers.CreateLogger<CoalescingDispatcher<ShimKey, ShimWork>>());
        _dispatcher = dispatcher;
        var reflectorLogger = loggers.CreateLogger<Reflector>();
        IResourceSource[] sources =
        [
            new CustomResourceSource(connection, ResourceKind.Ingress, json => IngressLike.ReadIngress(json), reflectorLogger),
            new GatewaySource(connection, reflectorLogger),
            new CustomResourceSource(connection, ResourceKind.Certificate, json => CertificateView.Read(json), reflectorLogger),
        ];
        var reflectors = sources.Select(source => new Reflector(source, connection.Name, Observe, reflectorLogger));
        await Task.WhenAll([dispatcher.RunAsync(ct), .. reflectors.Select(reflector => reflector.RunAsync(ct))]);
    }

    private void Observe(ObjectChange change)
    {
        if (change.Resource == CustomResourceSource.NameOf(ResourceKind.Certificate))
        {
            CertificateChanged(change);
            return;
        }
        var kind = change.Resource == CustomResourceSource.NameOf(ResourceKind.Ingress) ? ShimSourceKind.Ingress : ShimSourceKind.Gateway;
        var key = new ShimKey(kind, change.Key.Namespace, change.Key.Name);
        var source = change.Object as IngressLike;
        lock (_lock)
        {
            if (source is null)
                _objects.Remove(key);
            else
                _objects[key] = source;
        }
        _dispatcher!.Enqueue(key, new ShimWork(key, source));
    }

    /// <summary>
    /// A Certificate an Ingress or Gateway owns, or whose Secret one of them serves, changed its spec or went: that
    /// object is synced again (a deleted one is made again; coverage is checked against the new names).
    /// </summary>
    private void CertificateChanged(ObjectChange change)
    {
        var view = change.Object as CertificateView;
        List<IngressLike> affected;
        lock (_lock)
        {
            var id = (change.Key.Namespace, change.Key.Name);
            if (view is not null)
            {
                // Status writes do not move the generation; only spec changes matter here.
                if (_certificateGenerations.TryGetValue(id, out var generation) && generation == view.Generation)
                    return;
                _certificateGenerations[id] = view.Generation;
            }
            else
            {
                _certificateGenerations.Remove(id);
            }
            affected = [.. _objects.Values.Where(source => source.Namespace == change.Key.Namespace
                && (view is not null && source.Uid == view.ControllerUid
                    || source.ReferencedSecretNames.Contains(view?.SecretName ?? change.Key.Name, StringComparer.Ordinal)))];
        }
        foreach (var source in affected)
        {
            var key = new ShimKey(source.Kind, source.Namespace, source.Name);
            _dispatcher!.Enqueue(key, new ShimWork(key, source));
        }
    }

    private async Task DeliverAsync(ShimWork work, CancellationToken ct)
    {
        if (work.Object is null)
        {
            // Garbage collection removes its Certificates through their ownerReferences.
            lock (_lock)
                _reported.Remove(work.Key);
            return;
        }
        await SyncAsync(work.Key, work.Object, ct);
    }

    private async Task SyncAsync(ShimKey key, IngressLike source, CancellationToken ct)
    {
        var plan = CertificateShim.Plan(source, options);
        var problems = new List<(string Type, string Reason, string Message)>();
        problems.AddRange(plan.BadConfig.Select(message => (EventRecord.Warning, BadConfigReason, message)));
        if (plan.OptInHint is { } hint)
            problems.Add((EventRecord.Normal, CertificateShim.NoIssuerReason, hint));

        if (plan.Active || plan.Targets.Count > 0)
        {
            var existing = await ListCertificatesAsync(source.Namespace, ct);
            if (plan.Active)
            {
                foreach (var desired in plan.Certificates)
                {
                    Certificate? effective;
                    string? conflict;
                    try
                    {
                        (effective, conflict) = await ApplyAsync(source, desired, ct);
                    }
                    catch (ClusterWriteException ex) when (ex.StatusCode is 400 or 422)
                    {
                        // The API server refuses what the object asks for: retrying cannot help, its owner can.
                        problems.Add((EventRecord.Warning, BadConfigReason,
                            $"{ex.Message}; fix the {source.KindName}'s annotations or TLS hosts for Secret \"{desired.Spec.SecretName}\""));
                        continue;
                    }
                    if (conflict is not null)
                        problems.Add((EventRecord.Warning, CertificateNotOwnedReason, conflict));
                    existing.RemoveAll(c => c.Metadata.Name == desired.Metadata.Name);
                    if (effective is not null)
                        existing.Add(effective);
                }
                await DeleteUnrequiredAsync(source, existing, ct);
            }
            problems.AddRange(CoverageProblems(plan.Targets, existing).Select(message => (EventRecord.Warning, HostNotCoveredReason, message)));
        }
        await ReportAsync(key, source, problems, ct);
    }

    /// <summary>
    /// Creates the Certificate, or brings the one this object owns up to date; one owned by anything else is left
    /// alone. Returns the Certificate now in place (null when it could not be written) and the conflict, if any.
    /// </summary>
    private Task<(Certificate? Effective, string? Conflict)> ApplyAsync(IngressLike source, Certificate desired, CancellationToken ct)
    {
        var kind = ResourceKind.Certificate;
        var name = desired.Metadata.Name!;
        var ns = source.Namespace;
        return connection.RunAsync<(Certificate?, string?)>($"writing Certificate {ns}/{name} for {source.KindName} {ns}/{source.Name}", async token =>
        {
            var current = await GetCertificateAsync(ns, name, token);
            if (current is null)
            {
                var created = await connection.SendAsync((client, t) => client.CustomObjects.CreateNamespacedCustomObjectAsync(
                    JsonSerializer.SerializeToElement(desired, ApiJson.Options), kind.Group, kind.Version, ns, kind.Plural,
                    fieldManager: ClusterWriter.FieldManager, cancellationToken: t), token);
                await RecordAsync(source, EventRecord.Normal, CreateCertificateReason, $"Successfully created Certificate \"{name}\"", token);
                return (ApiObjects.Read<Certificate>(created), null);
            }
            if (!IsControlledBy(current, source))
                return (current, $"Certificate \"{name}\" already exists and is not owned by this {source.KindName}, so it is left unchanged; " +
                                 $"delete it to let the {source.KindName} manage it, or serve a Secret of another name");
            var updated = Updated(current, desired);
            if (updated is null)
                return (current, null);
            // The resourceVersion makes this conditional: a concurrent change answers 409 and the retry reads again.
            var replaced = await connection.SendAsync((client, t) => client.CustomObjects.ReplaceNamespacedCustomObjectAsync(
                JsonSerializer.SerializeToElement(updated, ApiJson.Options), kind.Group, kind.Version, ns, kind.Plural, name,
                fieldManager: ClusterWriter.FieldManager, cancellationToken: t), token);
            await RecordAsync(source, EventRecord.Normal, UpdateCertificateReason, $"Successfully updated Certificate \"{name}\"", token);
            return (ApiObjects.Read<Certificate>(replaced), null);
        }, ct);
    }

    /// <summary>
    /// The Certificate with the shim's spec, labels and annotations, or null when it already has them. Annotations
    /// others added stay (as in cert-manager); the spec is the shim's.
    /// </summary>
    public static Certificate? Updated(Certificate current, Certificate desired)
    {
        var annotations = new Dictionary<string, string>(current.Metadata.Annotations ?? []);
        foreach (var (name, value) in desired.Metadata.Annotations ?? [])
            annotations[name] = value;
        var sameSpec = JsonSerializer.Serialize(current.Spec, ApiJson.Options) == JsonSerializer.Serialize(desired.Spec, ApiJson.Options);
        var sameLabels = (current.Metadata.Labels ?? []).OrderBy(l => l.Key).SequenceEqual((desired.Metadata.Labels ?? []).OrderBy(l => l.Key));
        var sameAnnotations = annotations.Count == (current.Metadata.Annotations?.Count ?? 0);
        if (sameSpec && sameLabels && sameAnnotations
            && (desired.Metadata.Annotations ?? []).All(a => current.Metadata.Annotations!.GetValueOrDefault(a.Key) == a.Value))
            return null;
        return current with
        {
            Metadata = current.Metadata with { Labels = desired.Metadata.Labels, Annotations = annotations.Count > 0 ? annotations : null },
            Spec = desired.Spec,
            Status = null,
        };
    }

    /// <summary>Certificates this object owns whose Secret it no longer names (its TLS entry or listener went).</summary>
    private async Task DeleteUnrequiredAsync(IngressLike source, List<Certificate> certificates, CancellationToken ct)
    {
        var referenced = source.ReferencedSecretNames.ToHashSet(StringComparer.Ordinal);
        foreach (var stale in certificates.Where(c => IsControlledBy(c, source) && !referenced.Contains(c.Spec.SecretName)).ToList())
        {
            var name = stale.Metadata.Name!;
            var kind = ResourceKind.Certificate;
            await connection.RunAsync($"deleting Certificate {source.Namespace}/{name}", async token =>
            {
                try
                {
                    await connection.SendAsync((client, t) => client.CustomObjects.DeleteNamespacedCustomObjectAsync(
                        kind.Group, kind.Version, source.Namespace, kind.Plural, name, cancellationToken: t), token);
                }
                catch (Exception exception) when (ApiError.From(exception) is { IsNotFound: true })
                {
                    return;
                }
                await RecordAsync(source, EventRecord.Normal, DeleteCertificateReason, $"Successfully deleted unrequired Certificate \"{name}\"", token);
            }, ct);
            certificates.Remove(stale);
        }
    }

    /// <summary>
    /// Each host of a TLS entry or listener that the Certificate writing its Secret (made by the shim or by a user) does
    /// not cover, as the sentence of a Warning Event.
    /// </summary>
    public static IEnumerable<string> CoverageProblems(IReadOnlyList<ShimTarget> targets, IReadOnlyList<Certificate> certificates)
    {
        foreach (var target in targets)
        {
            foreach (var certificate in certificates.Where(c => c.Spec.SecretName == target.SecretName).OrderBy(c => c.Metadata.Name, StringComparer.Ordinal))
            {
                foreach (var host in WildcardCoverage.UncoveredHosts(certificate.Spec, target.Hosts))
                    yield return $"Host \"{host}\" of {target.Field} is not covered by Certificate \"{certificate.Metadata.Name}\", which writes " +
                                 $"Secret \"{target.SecretName}\" for [{string.Join(", ", certificate.Spec.DnsNames ?? [])}] (a wildcard covers exactly one " +
                                 $"label and not its apex): add \"{host}\" to the Certificate's dnsNames, or serve it with another Secret";
            }
        }
    }

    private static bool IsControlledBy(Certificate certificate, IngressLike source) =>
        (certificate.Metadata.OwnerReferences ?? []).Any(owner => owner.Controller == true && owner.Uid == source.Uid);

    /// <summary>Records the problems not reported in the previous sync; a problem that persists is reported once.</summary>
    private async Task ReportAsync(ShimKey key, IngressLike source, List<(string Type, string Reason, string Message)> problems, CancellationToken ct)
    {
        var current = problems.Select(p => (p.Reason, p.Message)).ToHashSet();
        HashSet<(string, string)>? previous;
        lock (_lock)
        {
            _reported.TryGetValue(key, out previous);
            _reported[key] = current;
        }
        foreach (var (type, reason, message) in problems.Where(p => previous?.Contains((p.Reason, p.Message)) != true))
            await RecordAsync(source, type, reason, message, ct);
    }

    private Task RecordAsync(IngressLike source, string type, string reason, string message, CancellationToken ct) =>
        events.RecordAsync(new EventRecord(source.ResourceKind, new ObjectKey(connection.Name, source.Namespace, source.Name), source.Uid,
            type, reason, message, source.Kind == ShimSourceKind.Ingress ? "cert-manager-ingress-shim" : "cert-manager-gateway-shim"), ct);

    private async Task<List<Certificate>> ListCertificatesAsync(string ns, CancellationToken ct)
    {
        var kind = ResourceKind.Certificate;
        var list = await connection.SendAsync((client, t) => client.CustomObjects.ListNamespacedCustomObjectAsync(
            kind.Group, kind.Version, ns, kind.Plural, cancellationToken: t), ct);
        var items = list is JsonElement element && element.TryGetProperty("items", out var array) && array.ValueKind == JsonValueKind.Array
            ? array.EnumerateArray()
            : throw new JsonException($"the Certificate list of namespace {ns} has no items");
        var certificates = new List<Certificate>();
        foreach (var item in items)
        {
            try
            {
                certificates.Add(ApiObjects.Read<Certificate>(item));
            }
            catch (JsonException)
            {
                // An unreadable Certificate is not one the shim wrote; the certificate watch reports it.
            }
        }
        return certificates;
    }

    private async Task<Certificate?> GetCertificateAsync(string ns, string name, CancellationToken ct)
    {
        var kind = ResourceKind.Certificate;
        try
        {
            return ApiObjects.Read<Certificate>(await connection.SendAsync((client, t) => client.CustomObjects.GetNamespacedCustomObjectAsync(
                kind.Group, kind.Version, ns, kind.Plural, name, t), ct));
        }
        catch (Exception exception) when (ApiError.From(exception) is { IsNotFound: true })
        {
            return null;
        }
    }

    /// <summary>What the shims need of a watched Certificate: its spec's generation, Secret and controlling owner.</summary>
    private sealed record CertificateView(long Generation, string SecretName, string? ControllerUid)
    {
        public static CertificateView Read(JsonElement json)
        {
            var metadata = json.GetProperty("metadata");
            var generation = metadata.TryGetProperty("generation", out var g) && g.TryGetInt64(out var value) ? value : 0;
            var secretName = json.TryGetProperty("spec", out var spec) && spec.TryGetProperty("secretName", out var s) ? s.GetString() ?? "" : "";
            string? controller = null;
            if (metadata.TryGetProperty("ownerReferences", out var owners) && owners.ValueKind == JsonValueKind.Array)
                controller = owners.EnumerateArray()
                    .Where(o => o.TryGetProperty("controller", out var c) && c.ValueKind == JsonValueKind.True)
                    .Select(o => o.TryGetProperty("uid", out var uid) ? uid.GetString() : null).FirstOrDefault();
            return new CertificateView(generation, secretName, controller);
        }
    }
}
