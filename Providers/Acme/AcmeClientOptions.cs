namespace CertFleet.Providers.Acme;

/// <summary>How an <see cref="AcmeClient"/> reaches one ACME server (an Issuer's <c>spec.acme</c>).</summary>
public sealed class AcmeClientOptions
{
    /// <summary>The directory URL (<c>spec.acme.server</c>).</summary>
    public required Uri DirectoryUrl { get; init; }

    /// <summary>Sent on every request; Pebble 2.10 and some CAs refuse requests without one.</summary>
    public string UserAgent { get; init; } = "CertFleet/1.0";

    /// <summary><c>spec.acme.skipTLSVerify</c>: accept any server certificate. For test CAs only.</summary>
    public bool SkipTlsVerify { get; init; }

    /// <summary><c>spec.acme.caBundle</c>: PEM roots; when set, only these are trusted for the ACME server.</summary>
    public string? CaBundlePem { get; init; }

    /// <summary>Bound on each HTTP exchange, response body included; keep it well below Orleans' 30 s call timeout.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Turns for new orders, shared by the clients of one account; the default gives this client its own. A CA
    /// serialises new orders anyway (each is a write), and Debian's Pebble 2.4 deadlocks for good when a new order's
    /// search of valid authorizations overlaps another write, so tests against it send one at a time.
    /// </summary>
    public AcmeNewOrderTurns NewOrderTurns { get; init; } = new(AcmeNewOrderTurns.DefaultInFlight);

    /// <summary>How often a badNonce rejection is retried with the fresh nonce from the error before giving up.</summary>
    public int BadNonceRetries { get; init; } = 3;

    /// <summary>
    /// Lower bound of a renewalInfo Retry-After (cert-manager clamps to 1 h–7 d): a CA asking more often is not
    /// obeyed. Tests shorten it to see a moved window within seconds.
    /// </summary>
    public TimeSpan RenewalInfoMinRetryAfter { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Told about every HTTP exchange, for cert-manager's request metrics.</summary>
    public IAcmeRequestObserver? Observer { get; init; }
}
