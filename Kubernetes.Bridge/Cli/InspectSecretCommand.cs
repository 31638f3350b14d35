using System.Text;
using CertFleet.Interfaces.Api;
using CertFleet.Providers.Pki;
using k8s.Models;

namespace CertFleet.Kubernetes.Bridge.Cli;

/// <summary>What <c>inspect secret NAME</c> prints: never the private key itself, only what it is and whether it fits.</summary>
public sealed record SecretInspectionReport
{
    public string ApiVersion { get; init; } = "certfleet.io/v1";
    public string Kind { get; init; } = "SecretInspection";
    public required string Name { get; init; }
    public required string Namespace { get; init; }
    public string? Type { get; init; }
    /// <summary>The cert-manager.io/ annotations, sorted by name.</summary>
    public required IReadOnlyDictionary<string, string> Annotations { get; init; }
    public CertificateDetails? Certificate { get; init; }
    public string? CertificateError { get; init; }
    /// <summary>Certificates in tls.crt (the leaf and any intermediates).</summary>
    public int ChainLength { get; init; }
    /// <summary>Certificates in ca.crt.</summary>
    public int CaCertificates { get; init; }
    public required PrivateKeyReport PrivateKey { get; init; }
}

public sealed record CertificateDetails
{
    public required string Subject { get; init; }
    public string? CommonName { get; init; }
    public required string Issuer { get; init; }
    public required DateTimeOffset NotBefore { get; init; }
    public required DateTimeOffset NotAfter { get; init; }
    /// <summary>"valid", "not yet valid" or "expired", at the time of inspection.</summary>
    public required string Validity { get; init; }
    public IReadOnlyList<string> DnsNames { get; init; } = [];
    public IReadOnlyList<string> IpAddresses { get; init; } = [];
    public IReadOnlyList<string> Uris { get; init; } = [];
    public IReadOnlyList<string> EmailAddresses { get; init; } = [];
    public required string KeyAlgorithm { get; init; }
    public required int KeySize { get; init; }
    public required string SignatureAlgorithm { get; init; }
    public required string SerialNumber { get; init; }
    public required string Sha256Fingerprint { get; init; }
    public required bool IsCA { get; init; }
    public required bool SelfSigned { get; init; }
    public IReadOnlyList<string> KeyUsages { get; init; } = [];
    public IReadOnlyList<string> ExtendedKeyUsages { get; init; } = [];
}

public sealed record PrivateKeyReport
{
    public required bool Present { get; init; }
    public string? Algorithm { get; init; }
    public int? Size { get; init; }
    /// <summary>Whether the key is the certificate's; null when either is missing or unreadable.</summary>
    public bool? MatchesCertificate { get; init; }
    public string? Error { get; init; }
}

public static class InspectSecretCommand
{
    public static async Task<SecretInspectionReport> BuildAsync(CliCluster cluster, string ns, string name, DateTimeOffset now)
    {
        var secret = await cluster.GetSecretAsync(ns, name)
                     ?? throw CliException.Failure($"Secret \"{name}\" not found in namespace \"{ns}\"");
        return Inspect(secret, ns, name, now);
    }

    public static SecretInspectionReport Inspect(V1Secret secret, string ns, string name, DateTimeOffset now)
    {
        var data = secret.Data ?? new Dictionary<string, byte[]>();
        byte[]? Entry(string key) => data.TryGetValue(key, out var value) ? value : null;
        CertificateInfo? certificate = null;
        string? certificateError = null;
        var chainLength = 0;
        if (Entry(SecretKeys.TlsCertificate) is { Length: > 0 } certificatePem)
        {
            try
            {
                var pem = Encoding.UTF8.GetString(certificatePem);
                chainLength = PemBundle.Certificates(pem, SecretKeys.TlsCertificate).Count;
                certificate = CertificateInfo.ParseFirst(pem);
            }
            catch (PkiException exception)
            {
                certificateError = $"{SecretKeys.TlsCertificate}: {exception.Message}";
            }
        }
        else
        {
            certificateError = $"the Secret has no {SecretKeys.TlsCertificate}";
        }

        var caCertificates = 0;
        if (Entry(SecretKeys.CaCertificate) is { Length: > 0 } caPem)
        {
            try { caCertificates = PemBundle.Certificates(Encoding.UTF8.GetString(caPem), SecretKeys.CaCertificate).Count; }
            catch (PkiException) { caCertificates = 0; }
        }

        return new SecretInspectionReport
        {
            Name = name,
            Namespace = ns,
            Type = secret.Type,
            Annotations = new SortedDictionary<string, string>(
                (secret.Metadata?.Annotations ?? new Dictionary<string, string>())
                .Where(a => a.Key.StartsWith("cert-manager.io/", StringComparison.Ordinal))
                .ToDictionary(a => a.Key, a => a.Value), StringComparer.Ordinal),
            Certificate = certificate is null ? null : Details(certificate, now),
            CertificateError = certificateError,
            ChainLength = chainLength,
            CaCertificates = caCertificates,
            PrivateKey = KeyReport(Entry(SecretKeys.TlsPrivateKey), certificate),
        };
    }

    private static PrivateKeyReport KeyReport(byte[]? pem, CertificateInfo? certificate)
    {
        if (pem is not { Length: > 0 })
            return new PrivateKeyReport { Present = false };
        try
        {
            using var key = PrivateKey.FromPem(Encoding.UTF8.GetString(pem));
            return new PrivateKeyReport
            {
                Present = true,
                Algorithm = key.Algorithm,
                Size = key.Size,
                MatchesCertificate = certificate?.MatchesKey(key),
            };
        }
        catch (PkiException exception)
        {
            return new PrivateKeyReport { Present = true, Error = $"{SecretKeys.TlsPrivateKey}: {exception.Message}" };
        }
    }

    private static CertificateDetails Details(CertificateInfo certificate, DateTimeOffset now) => new()
    {
        Subject = certificate.SubjectDN,
        CommonName = certificate.CommonName,
        Issuer = certificate.IssuerDN,
        NotBefore = certificate.NotBefore,
        NotAfter = certificate.NotAfter,
        Validity = now < certificate.NotBefore ? "not yet valid" : now > certificate.NotAfter ? "expired" : "valid",
        DnsNames = certificate.DnsNames,
        IpAddresses = certificate.IpAddresses,
        Uris = certificate.Uris,
        EmailAddresses = certificate.EmailAddresses,
        KeyAlgorithm = certificate.PublicKeyAlgorithm,
        KeySize = certificate.KeySize,
        SignatureAlgorithm = certificate.SignatureAlgorithm,
        SerialNumber = certificate.SerialHex,
        Sha256Fingerprint = certificate.Sha256Fingerprint,
        IsCA = certificate.IsCA,
        SelfSigned = certificate.IsSelfSigned,
        KeyUsages = certificate.KeyUsages,
        ExtendedKeyUsages = certificate.ExtKeyUsages,
    };
}
