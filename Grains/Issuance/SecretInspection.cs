using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Pki;

namespace CertFleet.Grains.Issuance;

/// <summary>The parsed contents of a certificate Secret. Holds the private key only for the length of one reconcile.</summary>
public sealed class SecretInspection : IDisposable
{
    public SecretData? Secret { get; }
    public CertificateInfo? Certificate { get; }
    public string? CertificateError { get; }
    public PrivateKey? Key { get; }
    public string? KeyError { get; }

    private SecretInspection(SecretData? secret, CertificateInfo? certificate, string? certificateError, PrivateKey? key, string? keyError)
    {
        Secret = secret;
        Certificate = certificate;
        CertificateError = certificateError;
        Key = key;
        KeyError = keyError;
    }

    public static SecretInspection Of(SecretData? secret)
    {
        if (secret is null) return new(null, null, null, null, null);
        PrivateKey? key = null;
        string? keyError = null, certError = null;
        CertificateInfo? certificate = null;
        if (secret.GetString(SecretKeys.TlsPrivateKey) is { Length: > 0 } keyPem)
        {
            try { key = PrivateKey.FromPem(keyPem); }
            catch (PkiException ex) { keyError = ex.Message; }
        }
        if (secret.GetString(SecretKeys.TlsCertificate) is { Length: > 0 } certPem)
        {
            try { certificate = CertificateInfo.ParseFirst(certPem); }
            catch (PkiException ex) { certError = ex.Message; }
        }
        return new(secret, certificate, certError, key, keyError);
    }

    public void Dispose() => Key?.Dispose();
}
