using CertFleet.Providers.Dns01;

namespace CertFleet.Dns01.Tests;

public sealed class Route53AssumeRoleTests : IAsyncLifetime
{
    private const string Value = "LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo";

    private Route53FakeServer _route53 = null!;
    private StsFakeServer _sts = null!;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async Task InitializeAsync()
    {
        _route53 = await Route53FakeServer.StartAsync();
        _route53.AddZone("ZPUBLIC", "example.com.");
        _route53.ExpectStsSession();
        _sts = await StsFakeServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _sts.DisposeAsync();
        await _route53.DisposeAsync();
    }

    private Route53Provider Provider(string secretAccessKey = Route53FakeServer.SecretAccessKey) => new(new Route53Settings
    {
        Credentials = new AwsCredentials(Route53FakeServer.AccessKeyId, secretAccessKey),
        Role = StsFakeServer.RoleArn,
        StsEndpoint = _sts.Endpoint,
        Endpoint = _route53.Endpoint,
    }, _http);

    [Fact]
    public async Task SignsRoute53WithTheAssumedSessionAndReusesIt()
    {
        var provider = Provider();

        await provider.PresentAsync("_acme-challenge.example.com.", Value);
        await provider.CleanUpAsync("_acme-challenge.example.com.", Value);

        Assert.Empty(_sts.Problems);
        Assert.Empty(_route53.Problems);
        Assert.Equal(1, _sts.AssumeRoleCalls);
        // Two zone lookups (the name, then example.com.) and two changes, all on the one session.
        Assert.Equal(4, _route53.Requests.Count);
        Assert.Empty(_route53.RecordSets);
    }

    [Fact]
    public async Task SessionsWithinAMinuteOfExpiryAreRenewed()
    {
        _sts.SessionLifetime = TimeSpan.FromSeconds(30);
        var provider = Provider();

        await provider.PresentAsync("_acme-challenge.example.com.", Value);
        await provider.CleanUpAsync("_acme-challenge.example.com.", Value);

        Assert.Empty(_sts.Problems);
        Assert.Empty(_route53.Problems);
        Assert.Equal(2, _sts.AssumeRoleCalls);
    }

    [Fact]
    public async Task AccessDeniedNamesTheRole()
    {
        _sts.DenyAccess = true;

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => Provider().PresentAsync("_acme-challenge.example.com.", Value));

        Assert.Contains(StsFakeServer.RoleArn, error.Message);
        Assert.Contains("AccessDenied", error.Message);
        Assert.Empty(_sts.Problems);
        Assert.Empty(_route53.Requests);
    }

    [Fact]
    public async Task WrongBaseSecretIsRejectedBySts()
    {
        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => Provider(secretAccessKey: "not-the-secret").PresentAsync("_acme-challenge.example.com.", Value));

        Assert.Contains("SignatureDoesNotMatch", error.Message);
        Assert.Empty(_route53.Requests);
    }

    private Route53Provider WebIdentityProvider(string token) => new(new Route53Settings
    {
        Role = StsFakeServer.RoleArn,
        WebIdentityToken = token,
        StsEndpoint = _sts.Endpoint,
        Endpoint = _route53.Endpoint,
    }, _http);

    [Fact]
    public async Task WebIdentityTokenAssumesTheRoleUnsignedAndRoute53GetsTheSession()
    {
        var token = TestJwt.For(["sts.amazonaws.com"]);
        _sts.ExpectedWebIdentityToken = token;

        await WebIdentityProvider(token).PresentAsync("_acme-challenge.example.com.", Value);

        Assert.Empty(_sts.Problems);
        Assert.Empty(_route53.Problems);
        Assert.Equal(1, _sts.AssumeRoleWithWebIdentityCalls);
        Assert.Equal(0, _sts.AssumeRoleCalls);
        Assert.Single(_route53.RecordSets);
    }

    [Fact]
    public async Task TokenForAnotherAudienceIsRefusedByStsAndNamesTheRole()
    {
        var token = TestJwt.For(["https://kubernetes.default.svc.cluster.local"]);
        _sts.ExpectedWebIdentityToken = token;

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => WebIdentityProvider(token).PresentAsync("_acme-challenge.example.com.", Value));

        Assert.Contains("AssumeRoleWithWebIdentity", error.Message);
        Assert.Contains(StsFakeServer.RoleArn, error.Message);
        Assert.Contains("InvalidIdentityToken: Incorrect token audience", error.Message);
        Assert.Empty(_sts.Problems);
        Assert.Empty(_route53.Requests);
    }
}
