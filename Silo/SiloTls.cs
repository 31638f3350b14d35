using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orleans.Configuration;
using Orleans.Connections.Security;

namespace CertFleet.Silo;

/// <summary>
/// Silo-to-silo (and gateway) TLS with mutual authentication, from the PEM files of a kubernetes.io/tls Secret
/// (tls.crt, tls.key, ca.crt). Every silo is both server and client of its peers, so its certificate must allow both.
/// </summary>
public sealed class OrleansTlsSettings
{
    /// <summary>Off: silo and gateway ports speak plain TCP, and anything that reaches them can join or call grains.</summary>
    public bool Enabled { get; set; }

    /// <summary>PEM certificate of this silo (tls.crt); intermediates may follow it.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>PEM private key of <see cref="CertificateFile"/> (tls.key).</summary>
    public string? KeyFile { get; set; }

    /// <summary>PEM certificate(s) of the CA every silo's certificate chains to (ca.crt); the only roots trusted.</summary>
    public string? CaFile { get; set; }

    /// <summary>What keeps these settings from working, each naming its key under <paramref name="section"/>.</summary>
    public IEnumerable<string> Problems(string section)
    {
        if (!Enabled)
            yield break;
        var missing = new[] { ("CertificateFile", CertificateFile, "tls.crt"), ("KeyFile", KeyFile, "tls.key"), ("CaFile", CaFile, "ca.crt") }
            .Where(setting => string.IsNullOrWhiteSpace(setting.Item2)).ToList();
        foreach (var (key, _, file) in missing)
            yield return $"{section}:{key} is required when {section}:Enabled is true (the {file} of the silos' kubernetes.io/tls Secret)";
        if (missing.Count > 0)
            yield break;
        string? problem;
        try
        {
            using var credentials = Load();
            problem = ChainProblem(credentials, section) ?? UsageProblem(credentials.Certificate, section);
        }
        catch (TlsFileException ex)
        {
            problem = $"{section}:{ex.Key} {ex.Message}";
        }
        if (problem is not null)
            yield return problem;
    }

    /// <summary>The certificate with its key and the trusted CA; call only once <see cref="Problems"/> found none.</summary>
    public SiloTlsCredentials Load()
    {
        var ca = ReadCertificates("CaFile", CaFile!);
        var chain = ReadCertificates("CertificateFile", CertificateFile!);
        var keyPem = ReadText("KeyFile", KeyFile!);
        if (!PemEncoding.TryFind(keyPem, out var pem) || !keyPem[pem.Label].EndsWith("PRIVATE KEY", StringComparison.Ordinal))
            throw new TlsFileException("KeyFile", $"holds no PEM private key (\"{KeyFile}\")");
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(chain[0].ExportCertificatePem(), keyPem);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            // The exception's own text would not say which file is wrong.
            throw new TlsFileException("KeyFile",
                $"(\"{KeyFile}\") is not the private key of the certificate in {CertFleetOptions.Section}:Orleans:Tls:CertificateFile (\"{CertificateFile}\"); give the tls.key and tls.crt of one Secret");
        }
        return new SiloTlsCredentials(certificate, [.. chain.Skip(1)], ca);
    }

    private string? ChainProblem(SiloTlsCredentials credentials, string section)
    {
        using var chain = credentials.ChainFor(credentials.Certificate, credentials.Intermediates);
        if (chain.Build(credentials.Certificate))
            return null;
        var statuses = string.Join("; ", chain.ChainStatus.Select(status => status.StatusInformation.Trim()).Where(text => text.Length > 0).Distinct());
        return $"{section}:CertificateFile (\"{CertificateFile}\", {credentials.Certificate.Subject}, issued by {credentials.Certificate.Issuer}) " +
               $"does not chain to the CA in {section}:CaFile (\"{CaFile}\"): {statuses}; give the ca.crt that signed this certificate";
    }

    private string? UsageProblem(X509Certificate2 certificate, string section)
    {
        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().SingleOrDefault()?.EnhancedKeyUsages;
        if (usages is null)
            return null;
        var oids = usages.Cast<Oid>().Select(oid => oid.Value).ToHashSet();
        return oids.Contains(ServerAuth) && oids.Contains(ClientAuth)
            ? null
            : $"{section}:CertificateFile (\"{CertificateFile}\") must allow both server and client authentication (extended key usages " +
              "serverAuth and clientAuth, cert-manager's \"server auth\" and \"client auth\"): every silo connects to its peers and accepts their connections";
    }

    private const string ServerAuth = "1.3.6.1.5.5.7.3.1", ClientAuth = "1.3.6.1.5.5.7.3.2";

    private static X509Certificate2Collection ReadCertificates(string key, string path)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(ReadText(key, path));
        }
        catch (CryptographicException ex)
        {
            throw new TlsFileException(key, $"cannot be read as PEM certificates (\"{path}\"): {ex.Message}");
        }
        return certificates.Count > 0 ? certificates : throw new TlsFileException(key, $"holds no PEM certificate (\"{path}\")");
    }

    private static string ReadText(string key, string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TlsFileException(key, $"cannot be read (\"{path}\"): {ex.Message}");
        }
    }

    /// <summary>A file that cannot be used, with the setting that names it.</summary>
    private sealed class TlsFileException(string key, string message) : Exception(message)
    {
        public string Key { get; } = key;
    }
}

/// <summary>This silo's certificate (with its private key), any intermediates sent with it, and the only CA trusted.</summary>
public sealed class SiloTlsCredentials(X509Certificate2 certificate, X509Certificate2Collection intermediates, X509Certificate2Collection ca) : IDisposable
{
    public X509Certificate2 Certificate { get; } = certificate;

    public X509Certificate2Collection Intermediates { get; } = intermediates;

    public X509Certificate2Collection Ca { get; } = ca;

    /// <summary>
    /// Whether a peer's certificate chains to <see cref="Ca"/>, and to nothing else: the system's roots are not trusted,
    /// so a certificate from a public CA (or any other private one) is refused. Host names are not compared: silos
    /// dial each other by pod IP, which changes with every pod, and a certificate naming IPs would need reissuing for
    /// each. The CA is the silos' own (generated by the chart or dedicated to them), so holding a key it certified is
    /// what makes a process a silo of this cluster; whoever can get a certificate from it can join.
    /// </summary>
    public bool IsPeer(X509Certificate2 peer, X509Chain? presented)
    {
        // The peer's intermediates, as sent in the handshake; trust still ends only at the configured CA.
        var sent = new X509Certificate2Collection();
        foreach (var element in presented?.ChainElements.Skip(1) ?? [])
            sent.Add(element.Certificate);
        using var chain = ChainFor(peer, sent);
        return chain.Build(peer);
    }

    internal X509Chain ChainFor(X509Certificate2 leaf, X509Certificate2Collection intermediates)
    {
        var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(Ca);
        chain.ChainPolicy.ExtraStore.AddRange(intermediates);
        // A private CA of silos publishes no CRL or OCSP; a silo's certificate is revoked by rotating the CA.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain;
    }

    public void Dispose() => Certificate.Dispose();
}

/// <summary>Puts TLS on every Orleans connection: silo in, silo out and gateway in.</summary>
public static class SiloTls
{
    public static void Configure(ISiloBuilder silo, OrleansTlsSettings settings)
    {
        if (!settings.Enabled)
            return;
        var credentials = settings.Load();
        silo.Services.AddSingleton(credentials);
        silo.Services.AddOptions<SiloConnectionOptions>().Configure<ILoggerFactory>((connections, loggers) =>
        {
            var logger = loggers.CreateLogger(typeof(SiloTls).FullName!);
            var options = new TlsOptions
            {
                LocalCertificate = credentials.Certificate,
                // Both directions: a silo without a certificate, or with one from another CA, is refused either way.
                RemoteCertificateMode = RemoteCertificateMode.RequireCertificate,
                ClientCertificateMode = RemoteCertificateMode.RequireCertificate,
                // Replaces the platform's verdict, which checks the system's roots and a host name (see IsPeer).
                RemoteCertificateValidation = (certificate, chain, _) =>
                {
                    if (credentials.IsPeer(certificate, chain))
                        return true;
                    logger.LogWarning(
                        "Refused an Orleans connection: the peer's certificate {Subject} (issued by {Issuer}) does not chain to the CA in {Setting}",
                        certificate.Subject, certificate.Issuer, $"{CertFleetOptions.Section}:Orleans:Tls:CaFile");
                    return false;
                },
            };
            connections.ConfigureSiloInboundConnection(connection => connection.UseServerTls(options));
            connections.ConfigureGatewayInboundConnection(connection => connection.UseServerTls(options));
            connections.ConfigureSiloOutboundConnection(connection => connection.UseClientTls(options));
        });
    }
}
