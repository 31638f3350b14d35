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
        try
        {
            // The CSR check and the signature run on the thread pool: signing completes without awaiting anything, and a
            // worker with a burst of requests queued would otherwise sign them all in one scheduler turn, holding a core
            // for seconds.
            var issued = issuer switch
            {
                { Readiness.IssuerType: "SelfSigned" } => await SignSelfAsync(request),
                { Readiness.IssuerType: "CA", CaSecret: { } caSecret } => await SignWithCaAsync(request, await CaKeyPairAsync(caSecret, issuer.CaSecretVersion)),
                _ => null,
            };
            if (issued is null)
                return Failed($"{(issuerKey.IsClusterScoped ? "ClusterIssuer" : "Issuer")} \"{issuerKey.Name}\" has no signer for its configuration");
            return new RequestOutcome { State = RequestState.Issued, ChainPem = issued.ChainPem, CaPem = issued.CaPem };
        }
        catch (PkiException ex)
        {
            return Failed(ex.Message);
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _caKeyPair?.Dispose();
        return Task.CompletedTask;
    }

    private static SigningRequest Signing(SignRequest request) =>
        new(CsrBuilder.Parse(request.CsrPem), request.Duration, request.IsCA, request.Usages);

    private async Task<IssuedCertificate> SignSelfAsync(SignRequest request)
    {
        if (request.PrivateKeySecret is not { } keySecret)
            throw new PkiException($"CertificateRequest has no {Annotations.PrivateKeySecretName} annotation; a SelfSigned issuer needs the request's private key");
        var secret = await reader.GetSecretAsync(keySecret)
                     ?? throw new PkiException($"Secret \"{keySecret.Name}\" holding the request's private key was not found");
        using var key = PrivateKey.FromPem(secret.GetString(SecretKeys.TlsPrivateKey)
                                           ?? throw new PkiException($"Secret \"{keySecret.Name}\" has no {SecretKeys.TlsPrivateKey}"));
        return await Task.Run(() => CertificateSigner.SelfSign(Signing(request), key, clock.GetUtcNow()));
    }

    private Task<IssuedCertificate> SignWithCaAsync(SignRequest request, CaKeyPair caKeyPair) =>
        Task.Run(() => CertificateSigner.SignWithCa(Signing(request), caKeyPair, clock.GetUtcNow()));

    /// <summary>
    /// The cached key pair while it is younger than the cache time, comes from the same Secret, and is at least as
    /// new as the version the issuer verified (the issuer hears of Secret changes; this activation does not).
    /// </summary>
    private async Task<CaKeyPair> CaKeyPairAsync(ObjectKey caSecret, string? verifiedVersion)
    {
        var fresh = _caKeyPair is not null && _caSecret == caSecret
                    && clock.GetUtcNow() - _caKeyPairLoadedAt <= options.Value.CaKeyPairCacheTime
                    && (verifiedVersion is null || ResourceVersions.IsAtOrBelow(verifiedVersion, _caSecretVersion));
        if (fresh)
            return _caKeyPair!;
        var load = await CaKeyPairLoader.LoadAsync(reader, caSecret, clock.GetUtcNow());
        var keyPair = load.KeyPair ?? throw new PkiException(load.Error!);
        _caKeyPair?.Dispose();
        (_caKeyPair, _caSecret, _caSecretVersion, _caKeyPairLoadedAt) = (keyPair, caSecret, load.SecretVersion, clock.GetUtcNow());
        return keyPair;
    }

    private static RequestOutcome Failed(string message) => new()
    {
        State = RequestState.Failed, Reason = CertificateRequestReasons.Failed, Message = message,
    };
}
