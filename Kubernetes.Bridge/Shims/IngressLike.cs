using System.Text.Json;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;

namespace CertFleet.Kubernetes.Bridge.Shims;

/// <summary>Which shim an object belongs to.</summary>
public enum ShimSourceKind
{
    Ingress,
    Gateway,
}

/// <summary>
/// An Ingress or Gateway as the shims read it: identity, labels and annotations, and the parts that name TLS Secrets
/// (Ingress spec.tls, Gateway spec.listeners). Read from networking.k8s.io/v1 Ingresses and gateway.networking.k8s.io
/// v1 or v1beta1 Gateways, whose shapes agree on these fields.
/// </summary>
public sealed record IngressLike
{
    public required ShimSourceKind Kind { get; init; }
    public string ApiVersion { get; init; } = "";
    public ObjectMeta Metadata { get; init; } = new();
    public IReadOnlyList<IngressTls> Tls { get; init; } = [];
    public IReadOnlyList<GatewayListener> Listeners { get; init; } = [];

    public string Namespace => Metadata.Namespace ?? "";
    public string Name => Metadata.Name ?? "";
    public string Uid => Metadata.Uid ?? "";
    public IReadOnlyDictionary<string, string> Annotations => Metadata.Annotations ?? [];

    public ResourceKind ResourceKind => Kind == ShimSourceKind.Ingress ? ResourceKind.Ingress : ResourceKind.Gateway;

    /// <summary>"Ingress" or "Gateway", for messages.</summary>
    public string KindName => ResourceKind.Kind;

    /// <summary>Being deleted (also in foreground, where dependents go first): nothing is created for it any more.</summary>
    public bool IsDeleting => Metadata.DeletionTimestamp is not null || (Metadata.Finalizers ?? []).Contains("foregroundDeletion");

    /// <summary>Every Secret name the object refers to, valid entry or not: a Certificate for any of them stays.</summary>
    public IEnumerable<string> ReferencedSecretNames => Kind == ShimSourceKind.Ingress
        ? Tls.Select(tls => tls.SecretName ?? "").Where(name => name.Length > 0)
        : Listeners.SelectMany(listener => listener.Tls?.CertificateRefs ?? []).Select(reference => reference.Name ?? "").Where(name => name.Length > 0);

    public static IngressLike ReadIngress(JsonElement json) => Read(json, ShimSourceKind.Ingress);

    public static IngressLike ReadGateway(JsonElement json) => Read(json, ShimSourceKind.Gateway);

    private static IngressLike Read(JsonElement json, ShimSourceKind kind)
    {
        var body = json.Deserialize<Body>(ApiJson.Options) ?? throw new JsonException($"the API server returned null for an {kind}");
        return new IngressLike
        {
            Kind = kind,
            ApiVersion = body.ApiVersion ?? "",
            Metadata = body.Metadata ?? new ObjectMeta(),
            Tls = body.Spec?.Tls ?? [],
            Listeners = body.Spec?.Listeners ?? [],
        };
    }

    private sealed record Body(string? ApiVersion, ObjectMeta? Metadata, Spec? Spec);

    private sealed record Spec(List<IngressTls>? Tls, List<GatewayListener>? Listeners);
}

/// <summary>One entry of an Ingress's spec.tls.</summary>
public sealed record IngressTls(List<string>? Hosts, string? SecretName);

/// <summary>One Gateway listener; protocol and mode as written (Gateway API: case-sensitive).</summary>
public sealed record GatewayListener(string? Name, string? Hostname, int? Port, string? Protocol, GatewayListenerTls? Tls);

public sealed record GatewayListenerTls(string? Mode, List<GatewaySecretReference>? CertificateRefs);

/// <summary>A listener's certificateRef: group "" (core) and kind Secret unless written otherwise.</summary>
public sealed record GatewaySecretReference(string? Group, string? Kind, string? Name, string? Namespace);
