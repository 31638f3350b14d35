namespace CertFleet.Providers.Acme;

/// <summary>Receives one call per HTTP exchange, shaped like cert-manager's <c>certmanager_http_acme_client_request_*</c> metrics.</summary>
public interface IAcmeRequestObserver
{
    /// <summary>Must not throw or block: it runs on the request path.</summary>
    void Completed(AcmeExchange exchange);
}

/// <summary>
/// One HTTP exchange with an ACME server: <paramref name="Scheme"/> and <paramref name="Host"/> of the request URL,
/// <paramref name="Action"/> one of <see cref="AcmeActions"/>, <paramref name="StatusCode"/> the HTTP status or
/// <see cref="AcmeActions.TransportErrorStatus"/> (999) when no response arrived.
/// </summary>
public sealed record AcmeExchange(string Scheme, string Host, string Action, string Method, int StatusCode, TimeSpan Duration);
