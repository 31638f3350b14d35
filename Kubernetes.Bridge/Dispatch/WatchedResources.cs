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
        // Orders and Challenges are driven by their grains; the watch only tells them when users (or garbage
        // collection) delete them, so challenges clean up and reminders go.
        WatchedResource.Custom<Order>(ResourceKind.Order,
            (grains, key, order) => order.Metadata.DeletionTimestamp is null
                ? Task.CompletedTask
                : grains.GetGrain<IOrderGrain>(key.ToGrainKey()).DeletedAsync(),
            (grains, key, _) => grains.GetGrain<IOrderGrain>(key.ToGrainKey()).DeletedAsync()),
        WatchedResource.Custom<Challenge>(ResourceKind.Challenge,
            (grains, key, challenge) => challenge.Metadata.DeletionTimestamp is null
                ? Task.CompletedTask
                : grains.GetGrain<IChallengeGrain>(key.ToGrainKey()).DeletedAsync(challenge.Metadata.Finalizers ?? []),
            (grains, key, _) => grains.GetGrain<IChallengeGrain>(key.ToGrainKey()).DeletedAsync([])),
        WatchedResource.Secrets(SecretSelector,
            (grains, key, metadata) => grains.GetGrain<ISecretClaimGrain>(key.ToGrainKey()).ChangedAsync(metadata)),
    ];
}
