using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;

namespace CertFleet.Kubernetes.Bridge.Dispatch;

/// <summary>What the bridge watches and which grain hears about it. Orders, Challenges, Ingresses and Gateways join here.</summary>
public static class WatchedResources
{
    /// <summary>Secrets the controller manages, except the temporary next-private-key Secrets.</summary>
    public const string SecretSelector = $"{Labels.ControllerFao}={Labels.True},{Labels.NextPrivateKey}!={Labels.True}";

    public static IReadOnlyList<WatchedResource> All { get; } =
    [
        WatchedResource.Custom<Certificate>(ResourceKind.Certificate,
            (grains, key, certificate) => grains.GetGrain<ICertificateGrain>(key.ToGrainKey()).SyncAsync(certificate),
            (grains, key, uid) => grains.GetGrain<ICertificateGrain>(key.ToGrainKey()).DeletedAsync(uid)),
        WatchedResource.Custom<CertificateRequest>(ResourceKind.CertificateRequest,
            (grains, key, request) => grains.GetGrain<ICertificateRequestGrain>(key.ToGrainKey()).ObserveAsync(request),
            (grains, key, _) => grains.GetGrain<ICertificateRequestGrain>(key.ToGrainKey()).DeletedAsync()),
        WatchedResource.Custom<IssuerObject>(ResourceKind.Issuer,
            (grains, key, issuer) => grains.GetGrain<IIssuerGrain>(key.ToGrainKey()).SyncAsync(issuer),
            (grains, key, _) => grains.GetGrain<IIssuerGrain>(key.ToGrainKey()).DeletedAsync()),
        WatchedResource.Custom<IssuerObject>(ResourceKind.ClusterIssuer,
            (grains, key, issuer) => grains.GetGrain<IIssuerGrain>(key.ToGrainKey()).SyncAsync(issuer),
            (grains, key, _) => grains.GetGrain<IIssuerGrain>(key.ToGrainKey()).DeletedAsync()),
        WatchedResource.Secrets(SecretSelector,
            (grains, key, metadata) => grains.GetGrain<ISecretClaimGrain>(key.ToGrainKey()).ChangedAsync(metadata)),
    ];
}
