using CertFleet.Grains.RateLimits;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Pki;

namespace CertFleet.Grains.Certificates;

/// <summary>
/// Everything a Certificate's steps do outside their state: Kubernetes writes and reads, calls to other grains,
/// Events and the grain's own reminder. The Certificate grain implements it; step tests record it.
/// </summary>
public interface ICertificateActions
{
    /// <summary>Persists <see cref="CertificatePass.State"/>.</summary>
    Task SaveStateAsync();

    /// <summary>Writes the Certificate's status; returns the resourceVersion the write produced.</summary>
    Task<string> WriteStatusAsync(CertificateStatus status);

    void RecordEvent(string type, string reason, string message);

    Task<SecretData?> ReadSecretAsync(string name);

    /// <summary>Creates or updates a Secret of the Certificate's namespace; returns its resourceVersion.</summary>
    Task<string> ApplySecretAsync(SecretData secret, IReadOnlyCollection<string> removeKeys);

    /// <summary>Creates a Secret named from <paramref name="generateName"/>; returns the name it got.</summary>
    Task<string> CreateSecretAsync(string generateName, SecretData secret);

    /// <summary>Deletes an object of the Certificate's namespace; a failure is logged, not thrown (leftovers are owned by the Certificate).</summary>
    Task TryDeleteAsync(ResourceKind kind, string name);

    /// <summary>Creates the CertificateRequest (or returns the existing one of that name).</summary>
    Task<CertificateRequest> CreateRequestAsync(CertificateRequest request);

    /// <summary>Hands the request to its grain with the pass's issuer snapshot; returns where it stands.</summary>
    Task<RequestOutcome> SubmitRequestAsync(CertificateRequest request, IssuerSnapshot? issuer);

    /// <summary>Tells a request's grain its object is gone, so a request of the same name starts afresh.</summary>
    Task ForgetRequestAsync(string requestName);

    /// <summary>Writes a temporary certificate when the Certificate asks for one and its Secret needs it; the Secret's resourceVersion, or null.</summary>
    Task<string?> EnsureTemporaryCertificateAsync(PrivateKey key);

    /// <summary>Claims the Secret name; returns the Certificate that owns it.</summary>
    Task<string> ClaimSecretAsync(string secretName);

    /// <summary>The issuer's readiness and ACME context in one call; this Certificate is woken when it changes.</summary>
    Task<IssuerSnapshot> GetIssuerSnapshotAsync(IssuerRef issuerRef);

    Task<RenewalSuggestion> TrackRenewalInfoAsync(AcmeIssuerContext acme, TrackedCertificate certificate);

    Task StopRenewalInfoAsync();

    Task<IReadOnlyList<ObjectKey>> HoldIdentifierSetAsync(string identifierSetKey);

    Task DropIdentifierSetAsync(string identifierSetKey);

    /// <summary>The latest wait among the budgets an order would spend; null when all have room.</summary>
    Task<RateLimitWait?> CheckBudgetsAsync(RateLimitBudgets.Order order);

    Task ReleaseReservationAsync(BudgetReservation reservation, bool orderPlaced);

    /// <summary>Makes the reminder due at <paramref name="at"/> (then every <paramref name="period"/>).</summary>
    Task WakeAtAsync(DateTimeOffset at, TimeSpan period);

    /// <summary>Sleeps until <paramref name="at"/> on the idle reminder, or without a reminder when null.</summary>
    Task SleepUntilAsync(DateTimeOffset? at);

    /// <summary>Runs another pass soon, from a timer.</summary>
    void ReconcileSoon();
}
