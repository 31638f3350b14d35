using System.Globalization;

namespace CertFleet.Kubernetes.Bridge.Shims;

/// <summary>
/// One TLS Secret an Ingress or Gateway serves and the hosts it serves it for: an Ingress TLS entry, or the union of
/// the hostnames of the Gateway listeners that reference it. <see cref="Field"/> says where it came from.
/// </summary>
public sealed record ShimTarget(string SecretName, IReadOnlyList<string> Hosts, string Field);

/// <summary>
/// Which parts of an Ingress or Gateway name TLS Secrets, as cert-manager's shims choose them; entries that cannot be
/// used come back as the message of a BadConfig Event.
/// </summary>
public static class ShimTargets
{
    public const string Https = "HTTPS";
    public const string Tls = "TLS";
    public const string Terminate = "Terminate";
    public const string Passthrough = "Passthrough";

    public static (IReadOnlyList<ShimTarget> Targets, IReadOnlyList<string> Skipped) Of(IngressLike source) =>
        source.Kind == ShimSourceKind.Ingress ? OfIngress(source) : OfGateway(source);

    /// <summary>Each TLS entry with hosts and a secretName; the others are skipped with the missing field named.</summary>
    private static (IReadOnlyList<ShimTarget>, IReadOnlyList<string>) OfIngress(IngressLike ingress)
    {
        var targets = new List<ShimTarget>();
        var skipped = new List<string>();
        for (var i = 0; i < ingress.Tls.Count; i++)
        {
            var tls = ingress.Tls[i];
            var field = $"spec.tls[{i}]";
            var missing = new List<string>();
            if (tls.Hosts is not { Count: > 0 })
                missing.Add($"{field}.hosts: Required value: list the host names the Secret serves");
            if (string.IsNullOrEmpty(tls.SecretName))
                missing.Add($"{field}.secretName: Required value: name the Secret the certificate is stored in");
            if (missing.Count > 0)
                skipped.Add($"Skipped a TLS block: {string.Join(", ", missing)}");
            else
                targets.Add(new ShimTarget(tls.SecretName!, [.. tls.Hosts!], field));
        }
        return (targets, skipped);
    }

    /// <summary>
    /// Listeners speaking HTTPS or TLS, except Passthrough ones and those named in cert-manager.io/ignore-tls-listeners;
    /// each needs a hostname, mode Terminate and core Secret certificateRefs in the Gateway's namespace. A Secret
    /// referenced by several listeners gets all their hostnames.
    /// </summary>
    private static (IReadOnlyList<ShimTarget>, IReadOnlyList<string>) OfGateway(IngressLike gateway)
    {
        var ignored = (gateway.Annotations.GetValueOrDefault(Interfaces.Api.Annotations.IgnoreTlsListeners) ?? "")
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        var hostsBySecret = new Dictionary<string, (List<string> Hosts, List<string> Fields)>(StringComparer.Ordinal);
        var skipped = new List<string>();
        for (var i = 0; i < gateway.Listeners.Count; i++)
        {
            var listener = gateway.Listeners[i];
            if (listener.Protocol is not (Https or Tls) || listener.Tls?.Mode == Passthrough || ignored.Contains(listener.Name ?? ""))
                continue;
            var field = string.Create(CultureInfo.InvariantCulture, $"spec.listeners[{i}]");
            var problems = ListenerProblems(field, listener, gateway.Namespace);
            if (problems.Count > 0)
            {
                skipped.Add($"Skipped a listener block: {string.Join(", ", problems)}");
                continue;
            }
            foreach (var reference in listener.Tls!.CertificateRefs!)
            {
                if (!hostsBySecret.TryGetValue(reference.Name!, out var entry))
                    hostsBySecret[reference.Name!] = entry = ([], []);
                if (!entry.Hosts.Contains(listener.Hostname!, StringComparer.OrdinalIgnoreCase))
                    entry.Hosts.Add(listener.Hostname!);
                entry.Fields.Add(field);
            }
        }
        return ([.. hostsBySecret.Select(pair => new ShimTarget(pair.Key, pair.Value.Hosts, string.Join(", ", pair.Value.Fields)))], skipped);
    }

    private static List<string> ListenerProblems(string field, GatewayListener listener, string gatewayNamespace)
    {
        var problems = new List<string>();
        if (string.IsNullOrEmpty(listener.Hostname))
            problems.Add($"{field}.hostname: Required value: set the host name the certificate is for");
        if (listener.Tls is not { } tls)
        {
            problems.Add($"{field}.tls: Required value: add tls with mode Terminate and certificateRefs");
            return problems;
        }
        if (tls.Mode is null)
            problems.Add($"{field}.tls.mode: Required value: set it to {Terminate}");
        else if (tls.Mode != Terminate)
            problems.Add($"{field}.tls.mode: Unsupported value: \"{tls.Mode}\": supported values: \"{Terminate}\"");
        if (tls.CertificateRefs is not { Count: > 0 } references)
        {
            problems.Add($"{field}.tls.certificateRefs: Required value: reference the Secret the certificate is stored in");
            return problems;
        }
        for (var r = 0; r < references.Count; r++)
        {
            var reference = references[r];
            var path = $"{field}.tls.certificateRefs[{r}]";
            if (string.IsNullOrEmpty(reference.Name))
                problems.Add($"{path}.name: Required value: name the Secret the certificate is stored in");
            if (reference.Group is { Length: > 0 } group && group != "core")
                problems.Add($"{path}.group: Unsupported value: \"{group}\": supported values: \"core\", \"\"");
            if (reference.Kind is { Length: > 0 } kind && kind != "Secret")
                problems.Add($"{path}.kind: Unsupported value: \"{kind}\": supported values: \"Secret\"");
            if (reference.Namespace is { Length: > 0 } ns && ns != gatewayNamespace)
                problems.Add($"{path}.namespace: Invalid value: \"{ns}\": cross-namespace secret references are not allowed in listeners; " +
                             $"keep the Secret in namespace {gatewayNamespace}");
        }
        return problems;
    }
}
