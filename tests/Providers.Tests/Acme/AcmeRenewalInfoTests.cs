using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertFleet.Providers.Acme;

namespace CertFleet.Providers.Tests.Acme;

/// <summary>ARI (RFC 9773): the CertID, the renewalInfo fetch, its window and Retry-After; profile choice.</summary>
public sealed class AcmeRenewalInfoTests
{
    private const string AriDirectory = """
        {"newNonce":"https://ca.test/nonce","newAccount":"https://ca.test/acct","newOrder":"https://ca.test/order",
         "revokeCert":"https://ca.test/revoke","renewalInfo":"https://ca.test/draft-ietf-acme-ari-03/renewalInfo"}
        """;
    private const string Window = """
        {"suggestedWindow":{"start":"2026-12-01T00:00:00Z","end":"2026-12-03T12:00:00Z"},"explanationURL":"https://ca.test/why"}
        """;
    private readonly ScriptedAcmeHandler _server = new() { DirectoryJson = AriDirectory };
    private readonly AcmeAccountKey _key = AcmeAccountKey.Generate();

    [Fact]
    public void CertId_of_RFC_9773s_example_certificate()
    {
        // RFC 9773 §4.1: keyIdentifier 69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4, serial 00:87:65:43:21
        using var certificate = Certificate(Convert.FromHexString("69885B6B87464041E1B37B847BA0AE2CDE01C8D4"), [0x00, 0x87, 0x65, 0x43, 0x21]);

        Assert.Equal("aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE", AcmeCertId.From(certificate));
        Assert.Equal("aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE", AcmeCertId.From(certificate.RawData));
    }

    [Fact]
    public void CertId_keeps_the_serials_byte_order()
    {
        // GetSerialNumber() is little-endian; reading it would give AQID instead of AwIB here.
        using var certificate = Certificate([0xAB], [0x01, 0x02, 0x03]);

        Assert.Equal("qw.AQID", AcmeCertId.From(certificate));
    }

    [Fact]
    public void A_certificate_without_an_authority_key_identifier_has_no_CertId()
    {
        using var certificate = Certificate(null, [0x05]);

        var error = Assert.Throws<ArgumentException>(() => AcmeCertId.From(certificate));
        Assert.Contains("Authority Key Identifier", error.Message);
    }

    [Fact]
    public async Task RenewalInfo_is_an_unauthenticated_GET_of_the_CertID_under_the_directorys_URL()
    {
        using var client = Client();
        _server.Reply(HttpStatusCode.OK, Window, "application/json", r => r.Headers.Add("Retry-After", "21600"));

        var info = await client.GetRenewalInfoAsync("aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");

        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), info.WindowStart);
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero), info.WindowEnd);
        Assert.Equal("https://ca.test/why", info.ExplanationUrl);
        Assert.Equal(TimeSpan.FromHours(6), info.RetryAfter);
        var (request, body) = _server.Received.Last();
        Assert.Equal(HttpMethod.Get, request.Method);
        Assert.Equal("https://ca.test/draft-ietf-acme-ari-03/renewalInfo/aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE", request.RequestUri!.AbsoluteUri);
        Assert.Equal("", body);
        Assert.DoesNotContain(_server.Received, r => r.Request.Method == HttpMethod.Head); // no nonce: nothing is signed
    }

    [Theory]
    [InlineData("60", null, 3600)]            // below 1 h: 1 h
    [InlineData("7200", null, 7200)]          // inside: as sent
    [InlineData("86400000", null, 604800)]    // 1000 days: 7 d
    [InlineData(null, null, 21600)]           // none: 6 h
    [InlineData("1", 2, 2)]                   // a shortened minimum (tests) is obeyed
    [InlineData(null, 30000, 30000)]          // none, but the minimum is above 6 h
    public async Task Retry_after_is_clamped_between_the_minimum_and_seven_days(string? header, int? minimumSeconds, int expectedSeconds)
    {
        using var client = Client(minimumSeconds is { } m ? TimeSpan.FromSeconds(m) : null);
        _server.Reply(HttpStatusCode.OK, Window, "application/json", r =>
        {
            if (header is not null) r.Headers.Add("Retry-After", header);
        });

        var info = await client.GetRenewalInfoAsync("a.b");

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), info.RetryAfter);
    }

    [Theory]
    [InlineData("""{"suggestedWindow":{"start":"2026-12-03T00:00:00Z","end":"2026-12-01T00:00:00Z"}}""", "not after its start")]
    [InlineData("""{"suggestedWindow":{"start":"2026-12-01T00:00:00Z","end":"2026-12-01T00:00:00Z"}}""", "not after its start")]
    [InlineData("""{"suggestedWindow":{"start":"soon","end":"2026-12-01T00:00:00Z"}}""", "start is not an RFC 3339 time")]
    [InlineData("""{"explanationURL":"https://ca.test/why"}""", "without a suggestedWindow")]
    public async Task A_malformed_window_is_an_error_that_says_what_is_wrong(string body, string expected)
    {
        using var client = Client();
        _server.Reply(HttpStatusCode.OK, body, "application/json");

        var error = await Assert.ThrowsAsync<AcmeException>(() => client.GetRenewalInfoAsync("a.b"));

        Assert.Contains(expected, error.Message);
        Assert.Contains("fetching renewal information", error.Message);
    }

    [Fact]
    public async Task A_directory_without_renewalInfo_makes_the_fetch_fail_without_a_request()
    {
        _server.DirectoryJson = """{"newNonce":"https://ca.test/nonce","newAccount":"https://ca.test/acct","newOrder":"https://ca.test/order","revokeCert":"https://ca.test/revoke"}""";
        using var client = Client();

        var error = await Assert.ThrowsAsync<AcmeException>(() => client.GetRenewalInfoAsync("a.b"));

        Assert.Contains("no renewalInfo", error.Message);
        Assert.Single(_server.Received); // the directory only
    }

    [Fact]
    public async Task NewOrder_carries_replaces_and_profile_only_when_given()
    {
        using var client = Client();
        client.AccountUrl = "https://ca.test/acct/1";
        const string order = """{"status":"pending","identifiers":[{"type":"dns","value":"a.test"}],"authorizations":[],"finalize":"https://ca.test/fin"}""";
        _server.Reply(HttpStatusCode.Created, order, "application/json", r => r.Headers.Location = new Uri("https://ca.test/order/1"));
        _server.Reply(HttpStatusCode.Created, order, "application/json", r => r.Headers.Location = new Uri("https://ca.test/order/2"));

        await client.NewOrderAsync([AcmeIdentifier.Dns("a.test")], profile: "shortlived", replaces: "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
        await client.NewOrderAsync([AcmeIdentifier.Dns("a.test")]);

        var payloads = _server.Received.Where(r => r.Request.Method == HttpMethod.Post)
            .Select(r => System.Text.Json.JsonDocument.Parse(JsonWebSignatureTests.Parse(r.Body).Payload).RootElement).ToArray();
        Assert.Equal("aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE", payloads[0].GetProperty("replaces").GetString());
        Assert.Equal("shortlived", payloads[0].GetProperty("profile").GetString());
        Assert.False(payloads[1].TryGetProperty("replaces", out _));
        Assert.False(payloads[1].TryGetProperty("profile", out _));
    }

    public static TheoryData<string?, string[], string?, bool, bool> Profiles => new()
    {
        // wanted, advertised, sent, error, ignored
        { null, ["classic", "shortlived"], null, false, false },
        { "shortlived", ["classic", "shortlived"], "shortlived", false, false },
        { "shortlived", [], null, false, true },
        { "tlsclient", ["classic", "shortlived"], null, true, false },
        { "Classic", ["classic"], null, true, false }, // names are exact
    };

    [Theory]
    [MemberData(nameof(Profiles))]
    public void A_profile_is_sent_only_when_advertised(string? wanted, string[] advertised, string? sent, bool error, bool ignored)
    {
        var choice = AcmeProfileChoice.For(wanted, advertised.ToDictionary(p => p, p => p + " certificates"));

        Assert.Equal(sent, choice.Profile);
        Assert.Equal(ignored, choice.Ignored);
        Assert.Equal(error, choice.Error is not null);
        if (error)
        {
            Assert.Contains($"\"{wanted}\"", choice.Error);
            Assert.Contains("spec.acme.profile", choice.Error);
            foreach (var name in advertised)
                Assert.Contains($"\"{name}\"", choice.Error);
        }
    }

    private AcmeClient Client(TimeSpan? minimumRetryAfter = null) => new(new AcmeClientOptions
    {
        DirectoryUrl = new Uri(ScriptedAcmeHandler.Directory),
        RenewalInfoMinRetryAfter = minimumRetryAfter ?? TimeSpan.FromHours(1),
    }, _key, _server);

    private static X509Certificate2 Certificate(byte[]? authorityKeyId, byte[] serial)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=ari.example", key, HashAlgorithmName.SHA256);
        if (authorityKeyId is not null)
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(authorityKeyId));
        using var issuerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var now = DateTimeOffset.UtcNow;
        return request.Create(new X500DistinguishedName("CN=issuer.example"), X509SignatureGenerator.CreateForECDsa(issuerKey),
            now.AddMinutes(-1), now.AddDays(90), serial);
    }
}
