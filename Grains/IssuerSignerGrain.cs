using Microsoft.Extensions.DependencyInjection;
using CertFleet.Grains.Issuance;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Pki;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace CertFleet.Grains;

/// <summary>
/// Signs CertificateRequests for one CA, SelfSigned or Vault issuer, in as many activations per silo as it has cores. A CA
/// key pair is loaded from the issuer's Secret and kept in this activation's memory only, for
/// <see cref="IssuanceOptions.CaKeyPairCacheTime"/>, or until the issuer's snapshot names a newer Secret version.
/// </summary>
[GrainType("issuersigner"), StatelessWorker]
public sealed class IssuerSignerGrain(
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock,
    IClusterReader reader,
    IOptions<IssuanceOptions> options,
    VaultConnections vault) : Grain, IIssuerSignerGrain
{
    private CaKeyPair? _caKeyPair;
    private ObjectKey? _caSecret;
    private string? _caSecretVersion;
    private DateTimeOffset _caKeyPairLoadedAt;

    public async Task<RequestOutcome> SignAsync(SignRequest request, IssuerSnapshot issuer)
    {
        var issuerKey = ObjectKey.FromGrainKey(this.GetPrimaryKeyString());
        // The snapshot and request come from the caller: only Secrets and requests this issuer's key allows are used.
        var refusal = IssuerScope.ServedRefusal(issuerKey, request.Request)
                      ?? (issuer.CaSecret is { } named ? IssuerScope.SecretRefusal(issuerKey, options.Value.ClusterResourceNamespace, named) : null)
                      ?? (request.PrivateKeySecret is { } keySecret && keySecret != request.Request.WithName(keySecret.Name)
                          ? $"the private key Secret \"{keySecret}\" of cluster \"{keySecret.Cluster}\" is not in the namespace of CertificateRequest \"{request.Request}\""
                          : null);
        if (refusal is not null)
            return Failed(refusal);
        if (issuer is { Readiness.IssuerType: "Vault", Vault: { } vaultIssuer })
            return await vault.SignAsync(issuerKey, vaultIssuer, request);
        // cert-manager's reasons: a Secret missing or unusable leaves the request Pending (it is submitted again),
        // a signature that cannot be made fails it.
        return issuer switch
        {
            { Readiness.IssuerType: "SelfSigned" } => await SignSelfAsync(request, Urls(issuer)),
            { Readiness.IssuerType: "CA", CaSecret: { } caSecret } => await SignWithCaAsync(request, caSecret, issuer.CaSecretVersion, Urls(issuer)),
            _ => Failed($"{(issuerKey.IsClusterScoped ? "ClusterIssuer" : "Issuer")} \"{issuerKey.Name}\" has no signer for its configuration"),
        };
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _caKeyPair?.Dispose();
        return Task.CompletedTask;
    }

    private static SigningRequest Signing(SignRequest request) =>
        new(CsrBuilder.Parse(request.CsrPem), request.Duration, request.IsCA, request.Usages);

    private async Task<RequestOutcome> SignSelfAsync(SignRequest request, AuthorityUrls urls)
    {
        if (request.PrivateKeySecret is not { } keySecret)
            return Failed($"Annotation \"{Annotations.PrivateKeySecretName}\" missing or reference empty: a SelfSigned issuer signs with the request's own private key",
                EventReasons.MissingAnnotation);
        var secret = await reader.GetSecretAsync(keySecret);
        if (secret is null)
            return RequestOutcome.Pending(EventReasons.MissingSecret, $"Referenced secret {keySecret.Namespace}/{keySecret.Name} not found");
        PrivateKey key;
        try
        {
            key = PrivateKey.FromPem(secret.GetString(SecretKeys.TlsPrivateKey) ?? throw new PkiException($"the Secret has no {SecretKeys.TlsPrivateKey}"));
        }
        catch (PkiException ex)
        {
            return RequestOutcome.Pending(EventReasons.ErrorParsingKey,
                $"Failed to get key \"{keySecret.Name}\" referenced in annotation \"{Annotations.PrivateKeySecretName}\": {ex.Message}");
        }
        using (key)
        {
            // The CSR check and the signature run on the thread pool: signing completes without awaiting anything, and a
            // worker with a burst of requests queued would otherwise sign them all in one scheduler turn, holding a core
            // for seconds.
            return await Task.Run(() =>
            {
                SigningRequest signing;
                try
                {
                    signing = Signing(request);
                    if (!CertificateSigner.KeyMatchesCsr(signing.Csr, key))
                        return Failed($"Error generating certificate template: the private key in Secret \"{keySecret.Name}\" does not match the CSR's public key; " +
                                      $"the CSR must be signed with the key named by the {Annotations.PrivateKeySecretName} annotation", EventReasons.ErrorKeyMatch);
                }
                catch (PkiException ex)
                {
                    return Failed($"Error generating certificate template: {ex.Message}", EventReasons.ErrorKeyMatch);
                }
                try
                {
                    return Issued(CertificateSigner.SelfSign(signing, key, clock.GetUtcNow(), urls));
                }
                catch (PkiException ex)
                {
                    return Failed($"Error signing certificate: {ex.Message}", EventReasons.ErrorSigning);
                }
            });
        }
    }

    private async Task<RequestOutcome> SignWithCaAsync(SignRequest request, ObjectKey caSecret, string? verifiedVersion, AuthorityUrls urls)
    {
        var (caKeyPair, load) = await CaKeyPairAsync(caSecret, verifiedVersion);
        if (caKeyPair is null)
            return load!.SecretMissing
                ? RequestOutcome.Pending(EventReasons.SecretMissing, $"Referenced secret {caSecret.Namespace}/{caSecret.Name} not found: {load.Error}")
                : RequestOutcome.Pending(EventReasons.SecretInvalidData, $"Failed to parse signing CA keypair from secret {caSecret.Namespace}/{caSecret.Name}: {load.Error}");
        return await Task.Run(() =>
        {
            try
            {
                return Issued(CertificateSigner.SignWithCa(Signing(request), caKeyPair, clock.GetUtcNow(), urls));
            }
            catch (PkiException ex)
            {
                return Failed($"Error signing certificate: {ex.Message}", EventReasons.SigningError);
            }
        });
    }

    private static AuthorityUrls Urls(IssuerSnapshot issuer) => new()
    {
        CrlDistributionPoints = issuer.CrlDistributionPoints,
        OcspServers = issuer.OcspServers,
        IssuingCertificateUrls = issuer.IssuingCertificateUrls,
    };

    private static RequestOutcome Issued(IssuedCertificate issued) =>
        new() { State = RequestState.Issued, ChainPem = issued.ChainPem, CaPem = issued.CaPem };

    /// <summary>
    /// The cached key pair while it is younger than the cache time, comes from the same Secret, and is at least as
    /// new as the version the issuer verified (the issuer hears of Secret changes; this activation does not).
    /// </summary>
    private async Task<(CaKeyPair? KeyPair, CaKeyPairLoad? Failure)> CaKeyPairAsync(ObjectKey caSecret, string? verifiedVersion)
    {
        var fresh = _caKeyPair is not null && _caSecret == caSecret
                    && clock.GetUtcNow() - _caKeyPairLoadedAt <= options.Value.CaKeyPairCacheTime
                    && (verifiedVersion is null || ResourceVersions.IsAtOrBelow(verifiedVersion, _caSecretVersion));
        if (fresh)
            return (_caKeyPair!, null);
        var load = await CaKeyPairLoader.LoadAsync(reader, caSecret, clock.GetUtcNow());
        if (load.KeyPair is not { } keyPair)
            return (null, load);
        _caKeyPair?.Dispose();
        (_caKeyPair, _caSecret, _caSecretVersion, _caKeyPairLoadedAt) = (keyPair, caSecret, load.SecretVersion, clock.GetUtcNow());
        return (keyPair, null);
    }

    private static RequestOutcome Failed(string message, string reason = CertificateRequestReasons.Failed) => new()
    {
        State = RequestState.Failed, Reason = reason, Message = message,
    };
}
