namespace CertFleet.Providers.Http01;

/// <summary>Where and how long the HTTP-01 self-check looks.</summary>
public sealed record Http01SelfCheckOptions
{
    /// <summary>
    /// Nameservers ("ip:port", port 53 when left out) that resolve challenge names, as cert-manager's
    /// --acme-http01-solver-nameservers; empty means the system resolver.
    /// </summary>
    public IReadOnlyList<string> Nameservers { get; init; } = [];

    /// <summary>The port the check connects to: 80 as the CA does, or the solver port in tests.</summary>
    public int Port { get; init; } = 80;

    /// <summary>Bound on one check, resolution and redirects included.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}
