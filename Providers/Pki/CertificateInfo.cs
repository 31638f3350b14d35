using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertFleet.Providers.Pki;

/// <summary>A parsed X.509 certificate, with names and usages spelled as cert-manager spells them.</summary>
public sealed record CertificateInfo
{
    /// <summary>RFC 4514 subject, most specific first, as Go prints it.</summary>
    public required string SubjectDN { get; init; }

    public string? CommonName { get; init; }

    public required SubjectFields Subject { get; init; }

    public IReadOnlyList<string> DnsNames { get; init; } = [];

    public IReadOnlyList<string> IpAddresses { get; init; } = [];

    public IReadOnlyList<string> Uris { get; init; } = [];

    public IReadOnlyList<string> EmailAddresses { get; init; } = [];

    public IReadOnlyList<(string Oid, string Utf8Value)> OtherNames { get; init; } = [];

    public required string IssuerDN { get; init; }

    /// <summary>Lower-case hex of the serial number, without leading zero bytes.</summary>
    public required string SerialHex { get; init; }

    public required DateTimeOffset NotBefore { get; init; }

    public required DateTimeOffset NotAfter { get; init; }

    public bool IsCA { get; init; }

    /// <summary>KeyUsage bits as cert-manager usage names ("digital signature", "cert sign", ...).</summary>
    public IReadOnlyList<string> KeyUsages { get; init; } = [];

    /// <summary>ExtendedKeyUsage OIDs as cert-manager usage names ("server auth", ...); unknown ones stay dotted.</summary>
    public IReadOnlyList<string> ExtKeyUsages { get; init; } = [];

    /// <summary>"RSA", "ECDSA" or "Ed25519".</summary>
    public required string PublicKeyAlgorithm { get; init; }

    public required int KeySize { get; init; }

    public required byte[] SubjectPublicKeyInfo { get; init; }

    /// <summary>cert-manager's name for the signature algorithm ("SHA256WithRSA", ...), or its OID if it has none.</summary>
    public required string SignatureAlgorithm { get; init; }

    /// <summary>Lower-case hex SHA-256 of the DER.</summary>
    public required string Sha256Fingerprint { get; init; }

    public required byte[] Der { get; init; }

    /// <summary>Issued by itself: subject equals issuer and its own key verifies its signature.</summary>
    public bool IsSelfSigned { get; init; }

    internal byte[] RawSubject { get; init; } = [];

    internal byte[] RawIssuer { get; init; } = [];

    /// <summary>From the extension, else the SHA-1 of the public key (RFC 5280 method 1).</summary>
    internal byte[] SubjectKeyIdentifier { get; init; } = [];

    internal bool HasKeyCertSignUsage { get; init; }

    internal bool HasKeyUsageExtension { get; init; }

    /// <summary>The first CERTIFICATE block of a PEM chain.</summary>
    public static CertificateInfo ParseFirst(string pemChain) => Parse(PemBundle.Certificates(pemChain, "certificate")[0]);

    public static CertificateInfo Parse(byte[] der)
    {
        ArgumentNullException.ThrowIfNull(der);
        try
        {
            // The framework parses lazily: the property reads in FromCertificate can still find the DER corrupt.
            using var certificate = X509CertificateLoader.LoadCertificate(der);
            return FromCertificate(certificate, SignedStructure.Split(der), der);
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException)
        {
            throw new PkiException("certificate: not a valid DER X.509 certificate; check the PEM block is intact", e);
        }
    }

    public bool MatchesKey(PrivateKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return PublicKey.SameKeyAs(SubjectPublicKey.Parse(key.SubjectPublicKeyInfo, "private key"));
    }

    public string ToPem() => PemBundle.Encode(PemBundle.CertificateLabel, Der);

    internal SubjectPublicKey PublicKey => SubjectPublicKey.Parse(SubjectPublicKeyInfo, "certificate");

    private static CertificateInfo FromCertificate(X509Certificate2 certificate, SignedStructure signed, byte[] der)
    {
        const string what = "certificate";
        var subject = DistinguishedName.Decode(certificate.SubjectName.RawData);
        var issuer = DistinguishedName.Decode(certificate.IssuerName.RawData);
        var publicKeyInfo = certificate.PublicKey.ExportSubjectPublicKeyInfo();
        var publicKey = SubjectPublicKey.Parse(publicKeyInfo, what);
        var extensions = new X509ExtensionSet(certificate.Extensions.Cast<X509Extension>().ToList(), what);
        var alternativeNames = extensions.SubjectAlternativeNames;
        var keyUsage = extensions.KeyUsage;
        return new CertificateInfo
        {
            SubjectDN = subject.ToString(),
            CommonName = subject.CommonName,
            Subject = subject.ToSubjectFields(),
            DnsNames = alternativeNames.DnsNames,
            IpAddresses = alternativeNames.IpAddresses,
            Uris = alternativeNames.Uris,
            EmailAddresses = alternativeNames.EmailAddresses,
            OtherNames = alternativeNames.OtherNames,
            IssuerDN = issuer.ToString(),
            SerialHex = Convert.ToHexStringLower(certificate.SerialNumberBytes.Span.TrimStart((byte)0)),
            NotBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero),
            NotAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero),
            IsCA = extensions.IsCA ?? false,
            KeyUsages = CertificateUsages.FromX509(keyUsage ?? X509KeyUsageFlags.None, []),
            ExtKeyUsages = CertificateUsages.FromX509(X509KeyUsageFlags.None, extensions.ExtendedKeyUsageOids ?? []),
            PublicKeyAlgorithm = publicKey.Algorithm,
            KeySize = publicKey.Size,
            SubjectPublicKeyInfo = publicKeyInfo,
            SignatureAlgorithm = Pki.SignatureAlgorithm.FromOid(signed.AlgorithmOid)?.Name ?? signed.AlgorithmOid,
            Sha256Fingerprint = Convert.ToHexStringLower(SHA256.HashData(der)),
            Der = der.ToArray(),
            IsSelfSigned = certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData)
                && signed.IsSignedBy(publicKey),
            RawSubject = certificate.SubjectName.RawData,
            RawIssuer = certificate.IssuerName.RawData,
            SubjectKeyIdentifier = extensions.Find(Oids.SubjectKeyIdentifier) is { } ski
                ? new X509SubjectKeyIdentifierExtension(new AsnEncodedData(ski.Oid, ski.RawData), ski.Critical).SubjectKeyIdentifierBytes.ToArray()
                : SHA1.HashData(certificate.PublicKey.EncodedKeyValue.RawData),
            HasKeyCertSignUsage = keyUsage?.HasFlag(X509KeyUsageFlags.KeyCertSign) ?? false,
            HasKeyUsageExtension = keyUsage is not null,
        };
    }

    /// <summary>Whether <paramref name="issuer"/>'s key signed this certificate and its subject is this one's issuer.</summary>
    internal bool IsIssuedBy(CertificateInfo issuer) =>
        RawIssuer.AsSpan().SequenceEqual(issuer.RawSubject) && SignedStructure.Split(Der).IsSignedBy(issuer.PublicKey);
}
