namespace CertFleet.Providers.Pki;

/// <summary>
/// Bad PKI input: a malformed PEM, an unsupported key, a CSR that does not verify, a spec field out of range.
/// The message says what is wrong and how to fix it; it never contains private key material.
/// </summary>
public sealed class PkiException : Exception
{
    public PkiException(string message) : base(message) { }

    public PkiException(string message, Exception innerException) : base(message, innerException) { }
}
