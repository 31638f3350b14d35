using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertFleet.Providers.Vault;

/// <summary>
/// How the controller's TLS connections to one Vault are made, from the issuer's <c>caBundle</c>/<c>caBundleSecretRef</c>,
/// <c>clientCertSecretRef</c>/<c>clientKeySecretRef</c> and <c>serverName</c>: trusted roots (the system's when none are
/// given), a client certificate for mutual TLS, and the name Vault's certificate must carry.
/// </summary>
public sealed record VaultTls
{
    /// <summary>PEM CAs that may sign Vault's certificate; null: the system's trusted roots.</summary>
    public string? CaBundlePem { get; init; }

    public string? ClientCertificatePem { get; init; }

    public string? ClientKeyPem { get; init; }

    /// <summary>Name expected in Vault's certificate (and sent as SNI) instead of the server URL's host.</summary>
    public string? ServerName { get; init; }

    /// <summary>A key naming this configuration (SHA-256 over it), so connections of equal configurations are shared.</summary>
    public string Fingerprint() =>
        Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            string.Join("\0", CaBundlePem ?? "", ClientCertificatePem ?? "", ClientKeyPem ?? "", ServerName ?? ""))));

    /// <summary>A handler with this configuration; a PEM that cannot be read is an <see cref="ArgumentException"/> naming the field.</summary>
    public SocketsHttpHandler CreateHandler()
    {
        var ssl = new SslClientAuthenticationOptions();
        X509Certificate2Collection? roots = null;
        if (CaBundlePem is not null)
        {
            roots = [];
            try
            {
                roots.ImportFromPem(CaBundlePem);
            }
            catch (CryptographicException ex)
            {
                throw new ArgumentException($"caBundle: error loading Vault CA bundle: {ex.Message}", ex);
            }
            if (roots.Count == 0)
                throw new ArgumentException("caBundle: error loading Vault CA bundle: no PEM certificate found");
        }
        if (roots is not null || ServerName is { Length: > 0 })
        {
            // The connection's host name stays the URL's (SocketsHttpHandler sets it), so the chain and the name are
            // checked here: against the bundle's roots, and against serverName when given.
            var serverName = ServerName is { Length: > 0 } name ? name : null;
            ssl.RemoteCertificateValidationCallback = (sender, certificate, _, _) =>
                certificate is not null && Verify(new X509Certificate2(certificate), roots, serverName ?? ((SslStream)sender).TargetHostName);
        }
        if (ClientCertificatePem is not null || ClientKeyPem is not null)
        {
            if (ClientCertificatePem is null || ClientKeyPem is null)
                throw new ArgumentException("clientCertSecretRef and clientKeySecretRef: mutual TLS needs both the certificate and its key");
            X509Certificate2 client;
            try
            {
                using var pem = X509Certificate2.CreateFromPem(ClientCertificatePem, ClientKeyPem);
                // Exported and loaded again: on Linux, SslStream needs a key it can hand to OpenSSL as is.
                client = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            }
            catch (CryptographicException ex)
            {
                throw new ArgumentException($"clientCertSecretRef/clientKeySecretRef: not a certificate and matching key: {ex.Message}", ex);
            }
            ssl.ClientCertificates = [client];
        }
        return new SocketsHttpHandler
        {
            SslOptions = ssl,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AllowAutoRedirect = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
    }

    private static bool Verify(X509Certificate2 certificate, X509Certificate2Collection? roots, string host)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (roots is not null)
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        }
        using (certificate)
            return chain.Build(certificate) && certificate.MatchesHostname(host);
    }
}
