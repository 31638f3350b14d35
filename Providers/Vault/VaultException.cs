namespace CertFleet.Providers.Vault;

/// <summary>
/// A Vault call that failed: Vault's own error words (its <c>errors</c> array), or why Vault could not be reached. The
/// message is fit for a status condition and never holds a token or secret.
/// </summary>
public sealed class VaultException(string message, int statusCode = 0, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Vault's HTTP status; 0 when it did not answer.</summary>
    public int StatusCode { get; } = statusCode;
}
