using CertFleet.Grains.Issuance;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Providers.Pki;
using NameConstraints = CertFleet.Interfaces.Api.NameConstraints;
using CertFleet.TestSupport;
using static CertFleet.Grains.Tests.TestObjects;

namespace CertFleet.Grains.Tests;

/// <summary>
/// Fields that must reach the signed certificate, read back with openssl: a Certificate's spec.nameConstraints (through
/// the CSR the Certificate builds) and a CA or SelfSigned issuer's CRL, OCSP and issuing certificate URLs (through
/// the issuer's snapshot that the signer signs with).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class IssuedExtensionsTests(ClusterFixture fixture)
{
    private FakeCluster Cluster => fixture.Cluster;

    public static TheoryData<string, CertificateSpec, IssuerSpec, string[], string[]> Cases => new()
    {
        {
            "critical name constraints, every kind of name, from a CA issuer with no URLs",
            CaSpec(new NameConstraints
            {
                Critical = true,
                Permitted = new NameConstraintItem { DnsDomains = [".example.com"], IpRanges = ["10.0.0.0/8"] },
                Excluded = new NameConstraintItem { EmailAddresses = ["example.org"], UriDomains = [".evil.example"] },
            }),
            new IssuerSpec { CA = new CaIssuer { SecretName = "ca-tls" } },
            ["X509v3 Name Constraints: critical", "DNS:.example.com", "IP:10.0.0.0/255.0.0.0", "email:example.org", "URI:.evil.example"],
            ["CRL Distribution Points", "Authority Information Access"]
        },
        {
            "non-critical name constraints with an IPv6 range only excluded, from a SelfSigned issuer",
            CaSpec(new NameConstraints { Excluded = new NameConstraintItem { IpRanges = ["fd00::/8"] } }),
            new IssuerSpec { SelfSigned = new SelfSignedIssuer() },
            ["X509v3 Name Constraints", "Excluded:", "IP:FD00:0:0:0:0:0:0:0/FF00:0:0:0:0:0:0:0"],
            ["X509v3 Name Constraints: critical", "Permitted:"]
        },
        {
            "a CA issuer's CRL, OCSP and issuing certificate URLs",
            CaSpec(nameConstraints: null),
            new IssuerSpec
            {
                CA = new CaIssuer
                {
                    SecretName = "ca-tls",
                    CrlDistributionPoints = ["http://crl.example.test/ca.crl", "http://crl2.example.test/ca.crl"],
                    OcspServers = ["http://ocsp.example.test"],
                    IssuingCertificateUrls = ["http://certs.example.test/ca.crt"],
                },
            },
            ["X509v3 CRL Distribution Points", "URI:http://crl.example.test/ca.crl", "URI:http://crl2.example.test/ca.crl",
             "Authority Information Access", "OCSP - URI:http://ocsp.example.test", "CA Issuers - URI:http://certs.example.test/ca.crt"],
            ["Name Constraints"]
        },
        {
            "a SelfSigned issuer's CRL distribution point",
            CaSpec(nameConstraints: null),
            new IssuerSpec { SelfSigned = new SelfSignedIssuer { CrlDistributionPoints = ["http://crl.example.test/self.crl"] } },
            ["X509v3 CRL Distribution Points", "URI:http://crl.example.test/self.crl"],
            ["Authority Information Access", "Name Constraints"]
        },
    };

    private static CertificateSpec CaSpec(NameConstraints? nameConstraints) => new()
    {
        SecretName = "intermediate-tls",
        IssuerRef = new IssuerRef { Name = "issuer" },
        CommonName = "intermediate",
        IsCA = true,
        NameConstraints = nameConstraints,
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task The_signed_certificate_carries_the_fields_as_extensions(
        string description, CertificateSpec certificate, IssuerSpec issuerSpec, string[] expected, string[] absent)
    {
        var ns = NewNamespace();
        using var key = PrivateKey.Generate(KeySpec.FromCertificateSpec("ECDSA", 256, null));
        Cluster.PutSecret(Key(ns, "ca-tls"), IssuerGrainTests.CaSecretData("Signing CA", fixture.Clock.GetUtcNow()));
        Cluster.PutSecret(Key(ns, "intermediate-key"), new() { ["tls.key"] = key.ToPem(KeyEncodings.Pkcs8) });
        var issuerKey = Key(ns, "issuer");
        var issuer = fixture.Grains.GetGrain<IIssuerGrain>(issuerKey.ToGrainKey());
        await issuer.SyncAsync(new IssuerObject
        {
            Kind = "Issuer",
            Metadata = new ObjectMeta { Name = "issuer", Namespace = ns, Uid = $"uid-issuer-{ns}", Generation = 1 },
            Spec = issuerSpec,
        });
        var snapshot = await Eventually(() => issuer.GetSnapshotAsync(null), s => s.Readiness.Ready, "issuer ready");

        var outcome = await fixture.Grains.GetGrain<IIssuerSignerGrain>(issuerKey.ToGrainKey()).SignAsync(new SignRequest
        {
            Request = Key(ns, "intermediate-1"),
            CsrPem = CsrBuilder.BuildPem(CertificateTemplates.From(certificate), key),
            Duration = TimeSpan.FromDays(30),
            IsCA = true,
            PrivateKeySecret = Key(ns, "intermediate-key"),
        }, snapshot);

        Assert.True(outcome.State == RequestState.Issued, $"{description}: {outcome.Message}");
        var text = await OpenSslTextAsync(outcome.ChainPem!);
        foreach (var line in expected)
            Assert.True(text.Contains(line, StringComparison.Ordinal), $"{description}: no \"{line}\" in\n{text}");
        foreach (var line in absent)
            Assert.False(text.Contains(line, StringComparison.Ordinal), $"{description}: unexpected \"{line}\" in\n{text}");
    }

    /// <summary>openssl x509 -text of the first certificate of <paramref name="pem"/>.</summary>
    private static async Task<string> OpenSslTextAsync(string pem)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("certfleet-extensions-").FullName, "tls.crt");
        await File.WriteAllTextAsync(path, pem);
        await using var openssl = ChildProcess.Start("openssl", ["x509", "-in", path, "-noout", "-text"]);
        Assert.Equal(0, await openssl.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        return openssl.Output;
    }
}
