using System.Text.Json;
using CertFleet.Interfaces.Api;

namespace CertFleet.Api.Tests;

public sealed class JsonTests
{
    public static TheoryData<string> SeedFiles => new(Seeds.Files);

    [Fact]
    public void TheGuidesManifestsOfOurKindsAreFound() =>
        Assert.Equal(
            ["01-clusterissuer-letsencrypt-prod.yaml", "02-certificate-wildcard.yaml", "03-clusterissuer-dns01-cloudflare.yaml", "07-clusterissuer-vault.yaml"],
            Seeds.Files);

    [Theory]
    [MemberData(nameof(SeedFiles))]
    public void SeedManifestsRoundTripWithoutLosingFields(string fileName)
    {
        foreach (var document in Seeds.OwnedDocuments(fileName))
        {
            var type = JsonRoundTrip.RecordTypes[(string)document["kind"]!];
            JsonRoundTrip.AssertSame(document, JsonRoundTrip.Through(document, type));
        }
    }

    [Fact]
    public void TheWildcardSeedReadsIntoTheCertificateRecord()
    {
        var document = Seeds.OwnedDocuments("02-certificate-wildcard.yaml").Single();
        var certificate = document.Deserialize<Certificate>(ApiJson.Options)!;

        Assert.Equal("sumguy-wildcard", certificate.Metadata.Name);
        Assert.Equal("sumguy-wildcard-tls", certificate.Spec.SecretName);
        Assert.Equal(["*.sumguy.com", "sumguy.com"], certificate.Spec.DnsNames);
        Assert.Equal(new IssuerRef { Name = "letsencrypt-prod", Kind = "ClusterIssuer" }, certificate.Spec.IssuerRef);
        Assert.Equal(DnsPolicies.Dns01, certificate.Spec.DnsPolicy);
    }

    [Fact]
    public void TheLetsEncryptSeedReadsIntoTheClusterIssuerRecord()
    {
        var document = Seeds.OwnedDocuments("01-clusterissuer-letsencrypt-prod.yaml").Single();
        var acme = document.Deserialize<ClusterIssuer>(ApiJson.Options)!.Spec.Acme!;

        Assert.Equal("letsencrypt-prod-key", acme.PrivateKeySecretRef.Name);
        Assert.Equal("nginx", acme.Solvers![0].Http01!.Ingress!.Class);
        Assert.Equal(new SecretKeySelector { Name = "cloudflare-token", Key = "api-token" },
            acme.Solvers[1].Dns01!.Cloudflare!.ApiTokenSecretRef);
    }

    [Theory]
    [InlineData(typeof(Certificate))]
    [InlineData(typeof(CertificateRequest))]
    [InlineData(typeof(Issuer))]
    [InlineData(typeof(ClusterIssuer))]
    [InlineData(typeof(Order))]
    [InlineData(typeof(Challenge))]
    public void FullyPopulatedRecordsRoundTrip(Type recordType)
    {
        var populated = typeof(SampleObjects).GetMethod(nameof(SampleObjects.Populated))!
            .MakeGenericMethod(recordType).Invoke(null, null)!;
        var json = JsonSerializer.SerializeToNode(populated, recordType, ApiJson.Options)!;
        JsonRoundTrip.AssertSame(json, JsonRoundTrip.Through(json, recordType));
    }

    [Fact]
    public void ExactCertManagerFieldNamesAreWritten()
    {
        var json = JsonRoundTrip.ToJson(SampleObjects.Populated<ClusterIssuer>()).ToJsonString();
        foreach (var name in new[]
                 {
                     "\"ca\"", "\"selfSigned\"", "\"acme\"", "\"http01\"", "\"dns01\"", "\"azureDNS\"", "\"acmeDNS\"",
                     "\"cloudDNS\"", "\"rfc2136\"", "\"digitalocean\"", "\"hostedZoneID\"", "\"accessKeyID\"",
                     "\"accessKeyIDSecretRef\"", "\"clientID\"", "\"tenantID\"", "\"subscriptionID\"", "\"resourceID\"",
                     "\"tsigKeyName\"", "\"caBundle\"", "\"skipTLSVerify\"", "\"keyID\"", "\"gatewayHTTPRoute\"",
                     "\"issuingCertificateURLs\"", "\"ocspServers\"", "\"crlDistributionPoints\"", "\"tsgID\"",
                     "\"iamRoleArn\"", "\"roleId\"", "\"waitInsteadOfSelfCheck\"",
                 })
            Assert.Contains(name, json, StringComparison.Ordinal);

        var certificate = JsonRoundTrip.ToJson(SampleObjects.Populated<Certificate>()).ToJsonString();
        foreach (var name in new[] { "\"isCA\"", "\"ipAddresses\"", "\"uris\"", "\"utf8Value\"", "\"explanationURL\"", "\"pkcs12\"", "\"jks\"" })
            Assert.Contains(name, certificate, StringComparison.Ordinal);

        var challenge = JsonRoundTrip.ToJson(SampleObjects.Populated<Challenge>()).ToJsonString();
        Assert.Contains("\"authorizationURL\"", challenge, StringComparison.Ordinal);
        Assert.Contains("\"finalizeURL\"", JsonRoundTrip.ToJson(SampleObjects.Populated<Order>()).ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TimesAreWrittenInUtcWithWholeSeconds()
    {
        var status = new CertificateStatus
        {
            NotAfter = new DateTimeOffset(2026, 1, 2, 5, 4, 5, 678, TimeSpan.FromHours(2)),
        };
        Assert.Equal("""{"notAfter":"2026-01-02T03:04:05Z"}""", JsonSerializer.Serialize(status, ApiJson.Options));
    }

    [Theory]
    [InlineData("2026-01-02T03:04:05Z")]
    [InlineData("2026-01-02T03:04:05.123456Z")]
    [InlineData("2026-01-02T05:04:05+02:00")]
    public void TimesAreReadInAnyRfc3339Form(string text)
    {
        var status = JsonSerializer.Deserialize<CertificateStatus>($$"""{"notBefore":"{{text}}"}""", ApiJson.Options)!;
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), status.NotBefore!.Value.AddTicks(-(status.NotBefore.Value.Ticks % TimeSpan.TicksPerSecond)));
        Assert.Equal(TimeSpan.Zero, status.NotBefore.Value.Offset);
    }

    [Fact]
    public void ReadingIsTolerant()
    {
        var certificate = JsonSerializer.Deserialize<Certificate>("""
            {"apiVersion":"cert-manager.io/v1","kind":"Certificate","metadata":{"name":"c","managedFields":[{"manager":"kubectl"}]},
             "spec":{"secretName":"s","issuerRef":{"name":"i"},"privateKey":{"size":"4096"},"futureField":{"a":1}},
             "status":{"revision":3}}
            """, ApiJson.Options)!;
        Assert.Equal(4096, certificate.Spec.PrivateKey!.Size);
        Assert.Equal(3, certificate.Status!.Revision);
    }

    [Fact]
    public void NullsAreLeftOut() =>
        Assert.Equal("""{"name":"ca"}""", JsonSerializer.Serialize(new IssuerRef { Name = "ca" }, ApiJson.Options));

    [Fact]
    public void FreeFormJsonAndQuantitiesSurvive()
    {
        const string solver = """{"http01":{"ingress":{"podTemplate":{"spec":{"affinity":{"nodeAffinity":{"x":[1,true]}},"resources":{"limits":{"cpu":1,"memory":"64Mi"}}}}}},"dns01":{"webhook":{"groupName":"g","solverName":"s","config":{"ttl":60,"zones":["a"]}}}}""";
        var parsed = JsonSerializer.Deserialize<AcmeChallengeSolver>(solver, ApiJson.Options)!;

        Assert.Equal("""{"ttl":60,"zones":["a"]}""", parsed.Dns01!.Webhook!.Config);
        var podSpec = parsed.Http01!.Ingress!.PodTemplate!.Spec!;
        Assert.Equal("""{"nodeAffinity":{"x":[1,true]}}""", podSpec.Affinity);
        Assert.Equal("1", podSpec.Resources!.Limits!["cpu"]);

        var written = JsonSerializer.Serialize(parsed, ApiJson.Options);
        Assert.Contains("""
            "config":{"ttl":60,"zones":["a"]}
            """.Trim(), written, StringComparison.Ordinal);
        Assert.Contains("""
            "limits":{"cpu":"1","memory":"64Mi"}
            """.Trim(), written, StringComparison.Ordinal);
    }
}
