namespace CertFleet.Providers.Dns01;

/// <summary>
/// One DNS provider's way of publishing an ACME DNS-01 TXT value. Apex and wildcard authorizations put two values on
/// one name at once, so both operations touch only the given value and keep any others on the record set.
/// </summary>
public interface IDns01Provider
{
    /// <summary>Adds <paramref name="value"/> to the TXT record set at <paramref name="fqdn"/> (idempotent).</summary>
    /// <param name="fqdn">Fully qualified name with a trailing dot, e.g. "_acme-challenge.example.com.".</param>
    Task PresentAsync(string fqdn, string value, CancellationToken ct = default);

    /// <summary>Removes only <paramref name="value"/>; a value or record already gone is success.</summary>
    Task CleanUpAsync(string fqdn, string value, CancellationToken ct = default);
}

/// <summary>A provider call that failed; the message names the provider, the record and what the API answered.</summary>
public sealed class Dns01ProviderException(string message, Exception? inner = null) : Exception(message, inner);
