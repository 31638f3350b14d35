using CertFleet.Grains.Issuance;
using CertFleet.Grains.Policies;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Providers.Pki;
using Microsoft.Extensions.Logging;

namespace CertFleet.Grains.Certificates;

/// <summary>
/// What the steps of one reconcile pass share: the Certificate's state, what its activation remembers, the clock,
/// and the issuer, asked at most once per pass and only when a step needs it.
/// </summary>
public sealed class CertificatePass(
    ObjectKey key,
    CertificateState state,
    CertificateMemory memory,
    TimeProvider clock,
    double renewalJitterPercent,
    IssuanceBackoff backoff,
    ILogger logger,
    ICertificateActions actions)
{
    /// <summary>While an issuance is in flight the reminder ticks every minute, so a silo crash only delays it.</summary>
    public static readonly TimeSpan ActivePeriod = TimeSpan.FromMinutes(1);
    /// <summary>While the issuer cannot sign the issuer wakes this Certificate on any change; the reminder is only a safety net.</summary>
    public static readonly TimeSpan IssuerWaitPeriod = TimeSpan.FromMinutes(10);

    private Task<IssuerSnapshot?>? _issuer;

    public ObjectKey Key => key;
    public string Name => key.Name;
    public CertificateState State => state;
    public CertificateMemory Memory => memory;
    public ICertificateActions Actions => actions;
    public ILogger Logger => logger;
    public double RenewalJitterPercent => renewalJitterPercent;
    /// <summary>The failure backoff, as configured.</summary>
    public IssuanceBackoff Backoff => backoff;
    public Certificate Object => state.Object!;
    public DateTimeOffset Now => clock.GetUtcNow();
    /// <summary>Kubernetes times have whole seconds.</summary>
    public DateTimeOffset TruncatedNow => clock.UtcNowInWholeSeconds();

    /// <summary>
    /// The issuer's snapshot, asked once in this pass; null when spec.issuerRef names an external issuer or a kind
    /// CertFleet does not serve (nobody is asked then).
    /// </summary>
    public Task<IssuerSnapshot?> IssuerAsync() => _issuer ??= AskIssuerAsync();

    /// <summary>True once a step asked the issuer in this pass.</summary>
    public bool AskedIssuer => _issuer is not null;

    private async Task<IssuerSnapshot?> AskIssuerAsync() =>
        SignerNames.IsCertManagerIssuer(Object.Spec.IssuerRef) ? await actions.GetIssuerSnapshotAsync(Object.Spec.IssuerRef) : null;
}

/// <summary>What one Certificate activation keeps between passes, in memory only.</summary>
public sealed class CertificateMemory : IDisposable
{
    /// <summary>The next private key between issuance steps; never persisted.</summary>
    public PrivateKey? NextKey { get; private set; }
    /// <summary>The Certificate as last synced, with its inline keystore passwords (the state's copy has none).</summary>
    public Certificate? Live { get; set; }
    /// <summary>The CertificateRequest as created for the issuance in flight, so it is built once.</summary>
    public CertificateRequest? Request { get; set; }
    /// <summary>The reminder was slowed to <see cref="CertificatePass.IssuerWaitPeriod"/> while the issuer could not sign.</summary>
    public bool WaitingOnIssuer { get; set; }
    /// <summary>The generation whose wildcard coverage this activation already warned about.</summary>
    public long? CoverageWarnedGeneration { get; set; }
    /// <summary>Something this Certificate waits on changed (its issuer, its identifier set): the next pass asks again.</summary>
    public bool Woken { get; set; }
    /// <summary>The Secret name this activation holds the claim for: ownership changes only through release or deletion.</summary>
    public string? ClaimedSecretName { get; set; }

    public void KeepNextKey(PrivateKey key)
    {
        if (!ReferenceEquals(NextKey, key))
            NextKey?.Dispose();
        NextKey = key;
    }

    /// <summary>Forgets what belonged to the issuance that ended.</summary>
    public void EndIssuance()
    {
        NextKey?.Dispose();
        NextKey = null;
        Request = null;
    }

    public void Dispose() => EndIssuance();
}
