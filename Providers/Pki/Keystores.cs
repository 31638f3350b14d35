using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertFleet.Providers.Pki;

/// <summary>
/// The keystores cert-manager adds to a Secret: <c>keystore.p12</c>/<c>truststore.p12</c> and
/// <c>keystore.jks</c>/<c>truststore.jks</c>.
/// </summary>
/// <remarks>
/// keystore.p12 uses the framework's export (System.Security.Cryptography.Pkcs's Pkcs12Builder is not part of the
/// shared framework), which has no RC2. So LegacyRC2 and LegacyDES both give pbeWithSHAAnd3-KeyTripleDES-CBC for key
/// and certificates with an HMAC-SHA-1 MAC (cert-manager's LegacyRC2 encrypts certificates with RC2-40 instead, which
/// OpenSSL 3 only reads with -legacy); Modern2023 gives PBES2 (PBKDF2-HMAC-SHA-256, AES-256-CBC) with an
/// HMAC-SHA-256 MAC; Modern2026 encrypts as Modern2023 with a PBMAC1 MAC (<see cref="Pkcs12Pbmac1"/>).
/// All use 2048 iterations, as cert-manager does. The framework cannot hold Ed25519 keys, so
/// keystore.p12 is refused for them. truststore.p12 is written here (see <see cref="Pkcs12TrustStoreWriter"/>) with
/// the profile's MAC, so that Java sees its certificates.
/// </remarks>
public static class Keystores
{
    public const string DefaultJksAlias = "certificate";
    private const int Pkcs12Iterations = 2048;

    /// <summary>keystore.p12: the key, the leaf of <paramref name="chainPem"/>, the rest of the chain and the CA.</summary>
    public static byte[] Pkcs12(PrivateKey key, string chainPem, string? caPem, string password, Pkcs12Profile profile = Pkcs12Profile.LegacyRC2)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(password);
        var certificates = KeystoreCertificates(key, chainPem, caPem);
        var collection = new X509Certificate2Collection();
        try
        {
            using (var leaf = X509CertificateLoader.LoadCertificate(certificates[0]))
            {
                collection.Add(key.AttachTo(leaf));
            }
            foreach (var der in certificates.Skip(1))
            {
                collection.Add(X509CertificateLoader.LoadCertificate(der));
            }
            var parameters = profile is Pkcs12Profile.Modern2023 or Pkcs12Profile.Modern2026
                ? new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, Pkcs12Iterations)
                : new PbeParameters(PbeEncryptionAlgorithm.TripleDes3KeyPkcs12, HashAlgorithmName.SHA1, Pkcs12Iterations);
            var pfx = collection.ExportPkcs12(parameters, password);
            return profile == Pkcs12Profile.Modern2026 ? Pkcs12Pbmac1.Reseal(pfx, password, Pkcs12Iterations) : pfx;
        }
        finally
        {
            foreach (var certificate in collection)
            {
                certificate.Dispose();
            }
        }
    }

    /// <summary>truststore.p12: the CA certificates of <paramref name="caPem"/>, each trusted for any purpose.</summary>
    public static byte[] Pkcs12Truststore(string caPem, string password, Pkcs12Profile profile = Pkcs12Profile.LegacyRC2)
    {
        ArgumentNullException.ThrowIfNull(password);
        var certificates = PemBundle.Certificates(caPem, "ca.crt").Select(CertificateInfo.Parse).ToList();
        var mac = profile switch
        {
            Pkcs12Profile.Modern2026 => Pkcs12TrustStoreWriter.Mac.Pbmac1,
            Pkcs12Profile.Modern2023 => Pkcs12TrustStoreWriter.Mac.Sha256,
            _ => Pkcs12TrustStoreWriter.Mac.Sha1,
        };
        return Pkcs12TrustStoreWriter.Write(certificates, password, mac, Pkcs12Iterations);
    }

    /// <summary>
    /// keystore.jks: a private key entry under <paramref name="alias"/> holding the chain, plus each CA certificate as a
    /// trusted entry "ca", "ca-1", ... as cert-manager writes it.
    /// </summary>
    public static byte[] Jks(PrivateKey key, string chainPem, string? caPem, string password, DateTimeOffset createdAt, string alias = DefaultJksAlias)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(password);
        var chain = KeystoreCertificates(key, chainPem, caPem: null);
        var writer = new JksWriter(password, createdAt);
        var pkcs8 = key.ToPkcs8Der();
        try
        {
            writer.AddPrivateKey(string.IsNullOrEmpty(alias) ? DefaultJksAlias : alias, pkcs8, chain);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
        if (caPem is not null)
        {
            AddTrustedCertificates(writer, caPem);
        }
        return writer.ToArray();
    }

    /// <summary>truststore.jks: each CA certificate as a trusted entry "ca", "ca-1", ...</summary>
    public static byte[] JksTruststore(string caPem, string password, DateTimeOffset createdAt)
    {
        ArgumentNullException.ThrowIfNull(password);
        var writer = new JksWriter(password, createdAt);
        AddTrustedCertificates(writer, caPem);
        return writer.ToArray();
    }

    private static void AddTrustedCertificates(JksWriter writer, string caPem)
    {
        var certificates = PemBundle.Certificates(caPem, "ca.crt");
        for (var i = 0; i < certificates.Count; i++)
        {
            writer.AddTrustedCertificate(i == 0 ? "ca" : $"ca-{i}", certificates[i]);
        }
    }

    /// <summary>The chain (leaf first) followed by CA certificates not already in it; the leaf must match the key.</summary>
    private static List<byte[]> KeystoreCertificates(PrivateKey key, string chainPem, string? caPem)
    {
        var certificates = PemBundle.Certificates(chainPem, "tls.crt").ToList();
        if (!CertificateInfo.Parse(certificates[0]).MatchesKey(key))
        {
            throw new PkiException("keystores: the private key does not match the first certificate of tls.crt");
        }
        if (caPem is not null)
        {
            certificates.AddRange(PemBundle.Certificates(caPem, "ca.crt")
                .Where(ca => !certificates.Exists(c => c.AsSpan().SequenceEqual(ca))));
        }
        return certificates;
    }
}
