using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;

namespace CertFleet.Kubernetes.Bridge.Dispatch;

/// <summary>What the bridge watches and which grain hears about it. Ingresses and Gateways go to the shims (Shims/ClusterShims), not to grains.</summary>
public static class WatchedResources
{
    /// <summary>Secrets the controller manages, except the temporary next-private-key Secrets.</summary>
    public const string SecretSelector = $"{Labels.ControllerFao}={Labels.True},{Labels.NextPrivateKey}!={Labels.True}";

    public static IReadOnlyList<WatchedResource> All { get; } =
    [
        WatchedResource.Custom<Certificate>(ResourceKind.Certificate,
            (grains, key, certificate) => grains.ByKey<ICertificateGrain>(key.ToGrainKey()).SyncAsync(certificate),
            (grains, key, uid) => grains.ByKey<ICertificateGrain>(key.ToGrainKey()).DeletedAsync(uid)),
        WatchedResource.Custom<CertificateRequest>(ResourceKind.CertificateRequest,
            (grains, key, request) => grains.ByKey<ICertificateRequestGrain>(key.ToGrainKey()).ObserveAsync(request),
            (grains, key, _) => grains.ByKey<ICertificateRequestGrain>(key.ToGrainKey()).DeletedAsync()),
        WatchedResource.Custom<IssuerObject>(ResourceKind.Issuer,
            (grains, key, issuer) => grains.ByKey<IIssuerGrain>(key.ToGrainKey()).SyncAsync(issuer),
            (grains, key, _) => grains.ByKey<IIssuerGrain>(key.ToGrainKey()).DeletedAsync()),
        WatchedResource.Custom<IssuerObject>(ResourceKind.ClusterIssuer,
            (grains, key, issuer) => grains.ByKey<IIssuerGrain>(key.ToGrainKey()).SyncAsync(issuer),
            (grains, key, _) => grains.ByKey<IIssuerGrain>(key.ToGrainKey()).DeletedAsync()),
        // Orders and Challenges are driven by their grains; the watch only tells them when users (or garbage
        // collection) delete them, so challenges clean up and reminders go.
        WatchedResource.Custom<Order>(ResourceKind.Order,
            (grains, key, order) => order.Metadata.DeletionTimestamp is null
                ? Task.CompletedTask
                : grains.ByKey<IOrderGrain>(key.ToGrainKey()).DeletedAsync(),
            (grains, key, _) => grains.ByKey<IOrderGrain>(key.ToGrainKey()).DeletedAsync()),
        WatchedResource.Custom<Challenge>(ResourceKind.Challenge,
            (grains, key, challenge) => challenge.Metadata.DeletionTimestamp is null
                ? Task.CompletedTask
                : grains.ByKey<IChallengeGrain>(key.ToGrainKey()).DeletedAsync(),
            (grains, key, _) => grains.ByKey<IChallengeGrain>(key.ToGrainKey()).DeletedAsync()),
        WatchedResource.Secrets(SecretSelector,
            (grains, key, metadata) => grains.ByKey<ISecretClaimGrain>(key.ToGrainKey()).ChangedAsync(metadata)),
    ];
}
