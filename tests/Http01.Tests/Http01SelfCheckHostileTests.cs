using CertFleet.Providers.Http01;
using CertFleet.TestSupport;

namespace CertFleet.Http01.Tests;

/// <summary>The self-check against a challenge URL that answers like a hostile server: each is a failed check with the limit.</summary>
public sealed class Http01SelfCheckHostileTests
{
    private const string Token = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
    private const string KeyAuthorization = Token + ".9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";

    [Theory]
    [InlineData(HostileAnswer.GzipBomb)]
    [InlineData(HostileAnswer.HugeBody)]
    public async Task An_answer_past_64_KiB_fails_the_check_naming_the_limit(HostileAnswer answer)
    {
        await using var server = await HostileHttpServer.StartAsync(everything: answer);
        using var check = Check(server, TimeSpan.FromSeconds(10));

        var result = await check.CheckAsync("127.0.0.1", Token, KeyAuthorization);

        Assert.Equal(Http01CheckResult.Failure(
            $"the answer of http://127.0.0.1:{server.BaseUrl.Port}/.well-known/acme-challenge/{Token} exceeded 64 KiB"), result);
    }

    [Fact]
    public async Task A_trickling_answer_ends_at_the_check_timeout()
    {
        await using var server = await HostileHttpServer.StartAsync(everything: HostileAnswer.Trickle);
        using var check = Check(server, TimeSpan.FromSeconds(2));

        var result = await check.CheckAsync("127.0.0.1", Token, KeyAuthorization);

        Assert.Equal(Http01CheckResult.Failure($"no response from http://127.0.0.1:{server.BaseUrl.Port}/.well-known/acme-challenge/{Token} within 2 s"), result);
    }

    private static Http01SelfCheck Check(HostileHttpServer server, TimeSpan timeout) => new(new Http01SelfCheckOptions
    {
        // IP addresses are not resolved: this nameserver is never asked.
        Nameservers = ["127.0.0.1:1"],
        Port = server.BaseUrl.Port,
        Timeout = timeout,
    });
}
