using CertFleet.Providers.Http01;

namespace CertFleet.Http01.Tests;

public sealed class Http01SelfCheckTests : IAsyncLifetime
{
    private const string Token = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
    private const string KeyAuthorization = Token + ".9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";

    private ChallengeResponder _responder = null!;
    private ChallengeTestServer _dns = null!;

    public async Task InitializeAsync()
    {
        _responder = await ChallengeResponder.StartAsync();
        _dns = await ChallengeTestServer.StartAsync();
        await _dns.AddARecordAsync("web.test", "127.0.0.1");
    }

    public async Task DisposeAsync()
    {
        await _responder.DisposeAsync();
        await _dns.DisposeAsync();
    }

    private Http01SelfCheck Check(int? port = null) => new(new Http01SelfCheckOptions
    {
        Nameservers = [_dns.DnsEndpoint],
        Port = port ?? _responder.Port,
        Timeout = TimeSpan.FromSeconds(5),
    });

    [Fact]
    public async Task Passes_when_the_name_resolves_and_the_key_authorization_is_served()
    {
        _responder.Bodies[Token] = KeyAuthorization + "\n";
        using var check = Check();

        var result = await check.CheckAsync("web.test", Token, KeyAuthorization);

        Assert.Equal(Http01CheckResult.Success, result);
        Assert.Equal($"web.test:{_responder.Port}", Assert.Single(_responder.Hosts));
    }

    [Fact]
    public async Task A_different_body_fails_showing_the_start_of_what_was_served()
    {
        _responder.Bodies[Token] = new string('x', 80);
        using var check = Check();

        var result = await check.CheckAsync("web.test", Token, KeyAuthorization);

        Assert.False(result.Passed);
        Assert.Equal($"did not get expected response when querying endpoint, expected \"{KeyAuthorization}\" but got: "
            + new string('x', 50) + "... (truncated)", result.Error);
    }

    [Fact]
    public async Task An_unknown_token_fails_with_the_status_code()
    {
        using var check = Check();

        var result = await check.CheckAsync("web.test", Token, KeyAuthorization);

        Assert.Equal(Http01CheckResult.Failure("wrong status code '404', expected '200'"), result);
    }

    [Fact]
    public async Task A_name_without_addresses_fails_naming_the_nameservers()
    {
        using var check = Check();

        var result = await check.CheckAsync("missing.test", Token, KeyAuthorization);

        Assert.False(result.Passed);
        Assert.StartsWith($"failed to resolve missing.test through {_dns.DnsEndpoint}: ", result.Error);
    }

    [Fact]
    public async Task An_ip_address_is_requested_without_resolving_it()
    {
        _responder.Bodies[Token] = KeyAuthorization;
        // A nameserver that does not exist: any lookup would fail.
        using var check = new Http01SelfCheck(new Http01SelfCheckOptions
        {
            Nameservers = ["127.0.0.1:1"],
            Port = _responder.Port,
            Timeout = TimeSpan.FromSeconds(5),
        });

        var result = await check.CheckAsync("127.0.0.1", Token, KeyAuthorization);

        Assert.Equal(Http01CheckResult.Success, result);
    }

    [Fact]
    public async Task Nothing_listening_fails_with_the_connection_error()
    {
        using var check = Check(port: 1);

        var result = await check.CheckAsync("web.test", Token, KeyAuthorization);

        Assert.False(result.Passed);
        Assert.Contains("refused", result.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Nameservers_are_read_as_ip_and_port()
    {
        Assert.Equal("10.0.0.10:53", NameserverEndpoint.Parse("10.0.0.10").ToString());
        Assert.Equal("[fd00::a]:5353", NameserverEndpoint.Parse("[fd00::a]:5353").ToString());
        Assert.False(NameserverEndpoint.TryParse("dns.example.com:53", out _));
        Assert.False(NameserverEndpoint.TryParse("", out _));
    }
}
