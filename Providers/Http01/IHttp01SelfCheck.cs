namespace CertFleet.Providers.Http01;

/// <summary>
/// Fetches http://{dnsName}/.well-known/acme-challenge/{token} the way the CA will, before the challenge is accepted,
/// so a broken route shows up as a readable reason instead of a failed (rate-limited) validation.
/// </summary>
public interface IHttp01SelfCheck
{
    Task<Http01CheckResult> CheckAsync(string dnsName, string token, string expectedKeyAuthorization, CancellationToken ct = default);
}

/// <summary>Passed, or the error in cert-manager's words (e.g. "wrong status code '404', expected '200'").</summary>
public sealed record Http01CheckResult(bool Passed, string? Error)
{
    public static readonly Http01CheckResult Success = new(true, null);
    public static Http01CheckResult Failure(string error) => new(false, error);
}
