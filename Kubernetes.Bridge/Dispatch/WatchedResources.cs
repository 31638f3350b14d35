using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Fleet;
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
        WatchedResource.Custom<Certificate>(ResourceKind.Certificate, CertificateChangedAsync,
            (targets, key, uid) => targets.Grains.ByKey<ICertificateGrain>(key.ToGrainKey()).DeletedAsync(uid),
            // a FleetCertificate follows its Certificates' status, written by their grains
            (_, certificate) => FleetCertificateOf(certificate) is null),
        WatchedResource.Custom<CertificateRequest>(ResourceKind.CertificateRequest,
            (targets, key, request) => targets.Grains.ByKey<ICertificateRequestGrain>(key.ToGrainKey()).ObserveAsync(request),
            (targets, key, _) => targets.Grains.ByKey<ICertificateRequestGrain>(key.ToGrainKey()).DeletedAsync(),
            (_, _) => true),
        WatchedResource.Custom<IssuerObject>(ResourceKind.Issuer, IssuerChangedAsync, IssuerDeletedAsync),
        WatchedResource.Custom<IssuerObject>(ResourceKind.ClusterIssuer, IssuerChangedAsync, IssuerDeletedAsync),
        // Orders and Challenges are driven by their grains; the watch only tells them when users (or garbage
        // collection) delete them, so challenges clean up and reminders go.
        WatchedResource.Custom<Order>(ResourceKind.Order,
            (targets, key, order) => order.Metadata.DeletionTimestamp is null
                ? Task.CompletedTask
                : targets.Grains.ByKey<IOrderGrain>(key.ToGrainKey()).DeletedAsync(),
            (targets, key, _) => targets.Grains.ByKey<IOrderGrain>(key.ToGrainKey()).DeletedAsync(),
            (_, order) => order.Metadata.DeletionTimestamp is null),
        WatchedResource.Custom<Challenge>(ResourceKind.Challenge,
            (targets, key, challenge) => challenge.Metadata.DeletionTimestamp is null
                ? Task.CompletedTask
                : targets.Grains.ByKey<IChallengeGrain>(key.ToGrainKey()).DeletedAsync(challenge.Metadata.Finalizers ?? []),
            (targets, key, _) => targets.Grains.ByKey<IChallengeGrain>(key.ToGrainKey()).DeletedAsync([]),
            (_, challenge) => challenge.Metadata.DeletionTimestamp is null),
        WatchedResource.Secrets(SecretSelector, SecretChangedAsync,
            (targets, key, secret) => SecretCertificate(targets, key, secret) is not null),
    ];

    /// <summary>Watched in the home cluster only: CertFleet's own cluster-scoped kinds, served there.</summary>
    public static IReadOnlyList<WatchedResource> HomeOnly { get; } =
    [
        WatchedResource.Custom<FleetCertificate>(ResourceKind.FleetCertificate,
            (targets, key, fleet) =>
            {
                targets.FleetCertificates.Observe(key.Name, exists: true);
                return targets.Grains.ByKey<IFleetCertificateGrain>(key.Name).SyncAsync(fleet);
            },
            (targets, key, uid) =>
            {
                targets.FleetCertificates.Observe(key.Name, exists: false);
                return targets.Grains.ByKey<IFleetCertificateGrain>(key.Name).DeletedAsync(uid);
            }),
    ];

    /// <summary>What is watched in <paramref name="connection"/>'s cluster.</summary>
    public static IReadOnlyList<WatchedResource> For(ClusterConnection connection) =>
        connection.Registration.IsHome ? [.. All, .. HomeOnly] : All;

    /// <summary>
    /// A Certificate goes to its grain; one a FleetCertificate made (labelled with its name) also tells that
    /// FleetCertificate, whose copies follow each renewal.
    /// </summary>
    private static Task CertificateChangedAsync(GrainTargets targets, ObjectKey key, Certificate certificate)
    {
        var sync = targets.Grains.ByKey<ICertificateGrain>(key.ToGrainKey()).SyncAsync(certificate);
        return FleetCertificateOf(certificate) is { } fleet
            ? Task.WhenAll(sync, targets.Grains.ByKey<IFleetCertificateGrain>(fleet).HomeCertificateChangedAsync(key))
            : sync;
    }

    private static string? FleetCertificateOf(Certificate certificate) =>
        certificate.Metadata.Labels?.GetValueOrDefault(FleetNames.FleetCertificateLabel) is { Length: > 0 } fleet ? fleet : null;

    private static Task IssuerChangedAsync(GrainTargets targets, ObjectKey key, IssuerObject issuer)
    {
        targets.IssuerSecrets.Observe(key, issuer);
        return targets.Grains.ByKey<IIssuerGrain>(key.ToGrainKey()).SyncAsync(issuer);
    }

    private static Task IssuerDeletedAsync(GrainTargets targets, ObjectKey key, string uid)
    {
        targets.IssuerSecrets.Observe(key, null);
        return targets.Grains.ByKey<IIssuerGrain>(key.ToGrainKey()).DeletedAsync();
    }

    /// <summary>
    /// A change of a Certificate's Secret (most of them echoes of its own write) goes straight to the Certificate its
    /// annotation names, which ignores versions at or below its own last write. Deletions (the owner and any waiters
    /// must hear), unannotated Secrets, and Secrets a CA issuer reads go through the Secret's claim grain, which tells
    /// the owner and the issuers. A FleetCertificate's copy (labelled with its name) goes to that FleetCertificate,
    /// which restores it if edited; its deletion, like any, reaches the claim grain, which tells the FleetCertificate
    /// that wrote it.
    /// </summary>
    private static Task SecretChangedAsync(GrainTargets targets, ObjectKey key, SecretMetadata? secret) =>
        secret?.Labels.GetValueOrDefault(FleetNames.FleetCertificateLabel) is { Length: > 0 } fleet
            ? targets.Grains.ByKey<IFleetCertificateGrain>(fleet).CopyChangedAsync(key, secret)
            : secret is not null && SecretCertificate(targets, key, secret) is { } certificate
                ? targets.Grains.ByKey<ICertificateGrain>(key.WithName(certificate).ToGrainKey()).SecretChangedAsync(secret)
                : targets.Grains.ByKey<ISecretClaimGrain>(key.ToGrainKey()).ChangedAsync(secret);

    /// <summary>The Certificate a Secret's change goes straight to (see <see cref="SecretChangedAsync"/>), or null.</summary>
    private static string? SecretCertificate(GrainTargets targets, ObjectKey key, SecretMetadata secret) =>
        secret.Labels.GetValueOrDefault(FleetNames.FleetCertificateLabel) is not { Length: > 0 }
        && secret.Annotations.GetValueOrDefault(Annotations.CertificateName) is { Length: > 0 } certificate
        && !targets.IssuerSecrets.IsReadByAnIssuer(key)
            ? certificate
            : null;
}
