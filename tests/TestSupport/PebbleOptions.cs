namespace CertFleet.TestSupport;

/// <summary>How to run Pebble; null means "Pebble's own default". Each member maps to one Pebble flag, config key or variable.</summary>
public sealed record PebbleOptions
{
    /// <summary>PEBBLE_VA_NOSLEEP=1: validate at once instead of after a random 0-15 s sleep.</summary>
    public bool ValidateWithoutSleep { get; init; } = true;

    /// <summary>PEBBLE_VA_ALWAYS_VALID=1: every challenge passes without being checked.</summary>
    public bool AlwaysValid { get; init; }

    /// <summary>PEBBLE_WFE_NONCEREJECT: percentage of good nonces rejected as badNonce (Pebble: 5).</summary>
    public int? NonceRejectPercent { get; init; }

    /// <summary>PEBBLE_AUTHZREUSE: percentage of valid authorizations reused by new orders (Pebble: 50).</summary>
    public int? AuthorizationReusePercent { get; init; }

    /// <summary>PEBBLE_ALTERNATE_ROOTS: number of extra roots, each giving an alternate chain (Pebble: 0).</summary>
    public int? AlternateRoots { get; init; }

    /// <summary>PEBBLE_CHAIN_LENGTH: certificates in a chain including the root (Pebble: 2, root + intermediate).</summary>
    public int? ChainLength { get; init; }

    /// <summary>externalAccountMACKeys (kid → base64url key); non-empty turns externalAccountBindingRequired on.</summary>
    public IReadOnlyDictionary<string, string> ExternalAccountMacKeys { get; init; } = new Dictionary<string, string>();

    /// <summary>-strict: reject deprecated client behaviour.</summary>
    public bool Strict { get; init; }

    /// <summary>
    /// The port Pebble's VA connects to for HTTP-01 (httpPort). Null: challtestsrv's HTTP-01 server, fed through
    /// <see cref="ChallengeTestServer.AddHttp01Async"/>. Set it to serve HTTP-01 from your own responder on 127.0.0.1.
    /// </summary>
    public int? HttpChallengePort { get; init; }

    /// <summary>The port Pebble's VA connects to for TLS-ALPN-01 (tlsPort). Null: challtestsrv's TLS-ALPN-01 server.</summary>
    public int? TlsChallengePort { get; init; }

    /// <summary>domainBlocklist: names refused with rejectedIdentifier.</summary>
    public IReadOnlyList<string> DomainBlocklist { get; init; } = [];

    /// <summary>certificateValidityPeriod (Pebble: 5 years).</summary>
    public TimeSpan? CertificateValidity { get; init; }

    /// <summary>-dnsserver: the DNS server Pebble resolves and validates DNS-01 with ("ip:port"); null: challtestsrv's.</summary>
    public string? DnsServer { get; init; }
}
