namespace CertFleet.Providers.RateLimits;

/// <summary>
/// The client-side budgets for one ACME server; a null limit is not enforced. Numbers from Let's Encrypt's rate-limit
/// documentation (production and staging); other CAs publish none, so they get <see cref="None"/> unless configured.
/// </summary>
public sealed record AcmeRateLimits(
    BucketLimit? CertificatesPerRegisteredDomain,
    BucketLimit? CertificatesPerIdentifierSet,
    BucketLimit? OrdersPerAccount,
    BucketLimit? AuthorizationFailuresPerIdentifier)
{
    public const string LetsEncryptHost = "acme-v02.api.letsencrypt.org";
    public const string LetsEncryptStagingHost = "acme-staging-v02.api.letsencrypt.org";

    public static AcmeRateLimits None { get; } = new(null, null, null, null);

    public static AcmeRateLimits LetsEncrypt { get; } = new(
        new BucketLimit(50, TimeSpan.FromDays(7)),
        new BucketLimit(5, TimeSpan.FromDays(7)),
        new BucketLimit(300, TimeSpan.FromHours(3)),
        new BucketLimit(5, TimeSpan.FromHours(1)));

    /// <summary>Staging: certificates per registered domain are effectively unlimited (30,000 per second).</summary>
    public static AcmeRateLimits LetsEncryptStaging { get; } = new(
        null,
        new BucketLimit(30_000, TimeSpan.FromDays(7)),
        new BucketLimit(1_500, TimeSpan.FromHours(3)),
        new BucketLimit(200, TimeSpan.FromHours(1)));

    /// <summary>Built-in limits for a server host ("host" or "host:port"); <see cref="None"/> for unknown CAs.</summary>
    public static AcmeRateLimits KnownFor(string host) => host.ToLowerInvariant() switch
    {
        LetsEncryptHost => LetsEncrypt,
        LetsEncryptStagingHost => LetsEncryptStaging,
        _ => None,
    };
}
