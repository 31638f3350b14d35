using CertFleet.Providers.RateLimits;

namespace CertFleet.Grains.RateLimits;

/// <summary>
/// The "CertFleet:RateLimits" section. Let's Encrypt's production and staging servers get their published limits
/// built in; any ACME server can be given its own (or have them removed) with an entry in <see cref="Servers"/>.
/// </summary>
public sealed class RateLimitOptions
{
    /// <summary>Debian's publicsuffix package by default; the list decides the registered domain of each name.</summary>
    public string PublicSuffixListPath { get; set; } = PublicSuffixList.DebianPath;

    /// <summary>Per-server limits; the first entry whose <see cref="ServerRateLimits.Server"/> matches wins over the built-ins.</summary>
    public List<ServerRateLimits> Servers { get; set; } = [];

    /// <summary>The limits for an Issuer's spec.acme.server.</summary>
    public AcmeRateLimits For(string server)
    {
        var host = RateLimitKeys.Host(server);
        var configured = Servers.FirstOrDefault(s => string.Equals(RateLimitKeys.Host(s.Server), host, StringComparison.OrdinalIgnoreCase));
        return configured?.ToLimits() ?? AcmeRateLimits.KnownFor(host);
    }

    /// <summary>Messages naming each invalid key, for the Silo's start-up validation.</summary>
    public IEnumerable<string> Problems(string section)
    {
        for (var i = 0; i < Servers.Count; i++)
        {
            var server = Servers[i];
            var prefix = $"{section}:Servers:{i}";
            if (string.IsNullOrWhiteSpace(server.Server) || RateLimitKeys.Host(server.Server).Length == 0)
                yield return $"{prefix}:Server must name an ACME server: its directory URL (https://host/directory) or host[:port] (got \"{server.Server}\")";
            foreach (var (name, limit) in server.Named())
                if (limit is not null && (limit.Capacity < 1 || limit.Period <= TimeSpan.Zero))
                    yield return $"{prefix}:{name} needs Capacity ≥ 1 and a positive Period such as 7.00:00:00 (got {limit.Capacity} per {limit.Period})";
        }
    }
}

/// <summary>One ACME server's limits; an unset limit is not enforced.</summary>
public sealed class ServerRateLimits
{
    /// <summary>The directory URL or its host[:port].</summary>
    public string Server { get; set; } = "";

    public LimitSetting? CertificatesPerRegisteredDomain { get; set; }
    public LimitSetting? CertificatesPerIdentifierSet { get; set; }
    public LimitSetting? OrdersPerAccount { get; set; }
    public LimitSetting? AuthorizationFailuresPerIdentifier { get; set; }

    internal IEnumerable<(string Name, LimitSetting? Limit)> Named() =>
    [
        (nameof(CertificatesPerRegisteredDomain), CertificatesPerRegisteredDomain),
        (nameof(CertificatesPerIdentifierSet), CertificatesPerIdentifierSet),
        (nameof(OrdersPerAccount), OrdersPerAccount),
        (nameof(AuthorizationFailuresPerIdentifier), AuthorizationFailuresPerIdentifier),
    ];

    public AcmeRateLimits ToLimits() => new(
        CertificatesPerRegisteredDomain?.ToLimit(), CertificatesPerIdentifierSet?.ToLimit(),
        OrdersPerAccount?.ToLimit(), AuthorizationFailuresPerIdentifier?.ToLimit());
}

/// <summary>Capacity tokens, refilled evenly over Period.</summary>
public sealed class LimitSetting
{
    public int Capacity { get; set; }
    public TimeSpan Period { get; set; }

    public BucketLimit ToLimit() => new(Capacity, Period);
}
