namespace CertFleet.Providers.Acme;

/// <summary>Receives one call per HTTP exchange, shaped like cert-manager's <c>certmanager_http_acme_client_request_*</c> metrics.</summary>
public interface IAcmeRequestObserver
{
    /// <summary>
    /// <paramref name="action"/> is one of <see cref="AcmeActions"/>; <paramref name="statusCode"/> is the HTTP status,
    /// or <see cref="AcmeActions.TransportErrorStatus"/> (999) when no response arrived. Must not throw or block.
    /// </summary>
    void Completed(string action, string method, int statusCode, TimeSpan duration);
}
