using System.Text;
using CertFleet.Providers.Dns01;
using CertFleet.TestSupport;

namespace CertFleet.Dns01.Tests;

public sealed class AkamaiProviderTests
{
    private const string ClientToken = "akab-client-token-xxx-xxxxxxxxxxxxxxxx";
    private const string ClientSecret = "SOMESECRETxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=";
    private const string AccessToken = "akab-access-token-xxx-xxxxxxxxxxxxxxxx";
    private const string Fqdn = "_acme-challenge.www.example.com.";
    private const string Name = "_acme-challenge.www.example.com";

    // Akamai's published EdgeGrid test vectors (AkamaiOPEN-edgegrid-python, akamai/edgegrid/test/testdata.json):
    // client_secret, tokens, nonce and timestamp below, max_body 2048, no headers to sign.
    private static readonly AkamaiCredentials VectorCredentials = new(
        "akab-client-token-xxx-xxxxxxxxxxxxxxxx", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=", "akab-access-token-xxx-xxxxxxxxxxxxxxxx");
    private static readonly DateTimeOffset VectorTime = new(2014, 3, 21, 19, 34, 21, TimeSpan.Zero);
    private const string VectorNonce = "nonce-xx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    private const string VectorHost = "https://akaa-baseurl-xxxxxxxxxxx-xxxxxxxxxxxxx.luna.akamaiapis.net";

    [Theory]
    [InlineData("simple GET", "GET", "/", "", "tL+y4hxyHxgWVD30X3pWnGKHcPzmrIF+LThiAOhMxYU=")]
    [InlineData("GET with querystring", "GET", "/testapi/v1/t1?p1=1&p2=2", "", "hKDH1UlnQySSHjvIcZpDMbQHihTQ0XyVAKZaApabdeA=")]
    [InlineData("POST inside limit", "POST", "/testapi/v1/t3", "datadatadatadatadatadatadatadata", "hXm4iCxtpN22m4cbZb4lVLW5rhX8Ca82vCFqXzSTPe4=")]
    [InlineData("POST length equals max_body", "POST", "/testapi/v1/t3", "d*2048", "6Q6PiTipLae6n4GsSIDTCJ54bEbHUBp+4MUXrbQCBoY=")]
    [InlineData("POST too large (hashed up to max_body)", "POST", "/testapi/v1/t3", "d*3000", "6Q6PiTipLae6n4GsSIDTCJ54bEbHUBp+4MUXrbQCBoY=")]
    [InlineData("POST empty body", "POST", "/testapi/v1/t6", "", "1gEDxeQGD5GovIkJJGcBaKnZ+VaPtrc4qBUHixjsPCQ=")]
    [InlineData("PUT test (bodies of PUT are not hashed)", "PUT", "/testapi/v1/t6", "PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP", "GNBWEYSEWOLtu+7dD52da2C39aX/Jchpon3K/AmBqBU=")]
    public void EdgeGridSignatureMatchesAkamaisPublishedVectors(string test, string method, string path, string data, string signature)
    {
        var body = data.StartsWith("d*", StringComparison.Ordinal) ? new string('d', int.Parse(data[2..], System.Globalization.CultureInfo.InvariantCulture)) : data;

        var header = AkamaiEdgeGrid.Authorization(VectorCredentials, method, new Uri(VectorHost + path), Encoding.UTF8.GetBytes(body), VectorTime, VectorNonce, maxBody: 2048);

        Assert.True(header == "EG1-HMAC-SHA256 client_token=akab-client-token-xxx-xxxxxxxxxxxxxxxx;access_token=akab-access-token-xxx-xxxxxxxxxxxxxxxx;"
                              + $"timestamp=20140321T19:34:21+0000;nonce={VectorNonce};signature={signature}", $"{test}: {header}");
    }

    private static AkamaiProvider Provider(AkamaiFakeApi api, string secret = ClientSecret) => new(new AkamaiSettings
    {
        ServiceConsumerDomain = "akab-xxxx.luna.akamaiapis.net",
        Credentials = new AkamaiCredentials(ClientToken, secret, AccessToken),
        Endpoint = new Uri(api.Endpoint),
    }, new HttpClient());

    [Fact]
    public async Task PresentAndCleanUpKeepOtherValuesAndDeleteTheEmptySet()
    {
        await using var api = await AkamaiFakeApi.StartAsync(ClientToken, ClientSecret, AccessToken);
        api.AddZone("example.com");
        var provider = Provider(api);

        await provider.PresentAsync(Fqdn, "apex");
        await provider.PresentAsync(Fqdn, "wildcard");
        await provider.PresentAsync(Fqdn, "apex");
        Assert.Equal(["\"apex\"", "\"wildcard\""], api.Rdata(Name));

        await provider.CleanUpAsync(Fqdn, "apex");
        await provider.CleanUpAsync(Fqdn, "apex");
        Assert.Equal(["\"wildcard\""], api.Rdata(Name));
        await provider.CleanUpAsync(Fqdn, "wildcard");
        Assert.Null(api.Rdata(Name));

        // Zone found by trimming labels; created, replaced, then deleted once empty.
        Assert.Equal(
            [
                "GET /config-dns/v2/zones/_acme-challenge.www.example.com", "GET /config-dns/v2/zones/www.example.com", "GET /config-dns/v2/zones/example.com",
                $"GET /config-dns/v2/zones/example.com/names/{Name}/types/TXT", $"POST /config-dns/v2/zones/example.com/names/{Name}/types/TXT",
            ],
            api.Requests.Take(5));
        Assert.Equal(["POST", "PUT", "PUT", "DELETE"], api.Requests.Select(r => r.Split(' ')[0]).Where(m => m != "GET"));
        Assert.Equal(0, api.Unauthenticated);
    }

    [Fact]
    public async Task TheApexAndItsWildcardPresentedAndCleanedUpAtOnceLeaveNothingBehind()
    {
        // Each challenge builds its own provider, and Edge DNS has no precondition on a write: without taking turns and
        // reading back, two clean-ups of one record set each write back the other's value.
        await using var api = await AkamaiFakeApi.StartAsync(ClientToken, ClientSecret, AccessToken);
        api.AddZone("example.com");

        await Task.WhenAll(Provider(api).PresentAsync(Fqdn, "apex"), Provider(api).PresentAsync(Fqdn, "wildcard"));
        Assert.Equal(["\"apex\"", "\"wildcard\""], api.Rdata(Name)!.Order());
        await Task.WhenAll(Provider(api).CleanUpAsync(Fqdn, "apex"), Provider(api).CleanUpAsync(Fqdn, "wildcard"));

        Assert.Null(api.Rdata(Name));
    }

    [Fact]
    public async Task AValueSomeoneElsePutThereStays()
    {
        await using var api = await AkamaiFakeApi.StartAsync(ClientToken, ClientSecret, AccessToken);
        api.AddZone("example.com");
        api.AddValue(Name, "\"site-verification=abc\"");
        var provider = Provider(api);

        await provider.PresentAsync(Fqdn, "mine");
        await provider.CleanUpAsync(Fqdn, "mine");

        Assert.Equal(["\"site-verification=abc\""], api.Rdata(Name));
    }

    [Fact]
    public async Task AWrongClientSecretFailsTheSignatureAndSaysWhatToCheck()
    {
        await using var api = await AkamaiFakeApi.StartAsync(ClientToken, ClientSecret, AccessToken);
        api.AddZone("example.com");

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => Provider(api, secret: "wrong-secret").PresentAsync(Fqdn, "v"));

        Assert.StartsWith("akamai: look up zone _acme-challenge.www.example.com: HTTP 401: Not authorized: The signature does not match", error.Message);
        Assert.Contains("check the client token, client secret and access token", error.Message);
        Assert.DoesNotContain("wrong-secret", error.Message);
        Assert.Equal(1, api.Unauthenticated);
    }

    [Fact]
    public async Task ANameInNoZoneSaysSo()
    {
        await using var api = await AkamaiFakeApi.StartAsync(ClientToken, ClientSecret, AccessToken);

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => Provider(api).PresentAsync(Fqdn, "v"));

        Assert.Contains("no Edge DNS zone this API client can see contains _acme-challenge.www.example.com", error.Message);
    }

    [Theory]
    [InlineData("https://akab-xxxx.luna.akamaiapis.net", "serviceConsumerDomain")]
    [InlineData("", "serviceConsumerDomain")]
    public void ABadHostNamesTheField(string host, string field)
    {
        var error = Assert.Throws<ArgumentException>(() => new AkamaiProvider(new AkamaiSettings
        {
            ServiceConsumerDomain = host,
            Credentials = new AkamaiCredentials(ClientToken, ClientSecret, AccessToken),
        }, new HttpClient()));

        Assert.StartsWith($"spec.acme.solvers[].dns01.akamai.{field}: ", error.Message);
    }
}
