using CertFleet.Providers.Dns01;
using CertFleet.TestSupport;

namespace CertFleet.Dns01.Tests;

/// <summary>The propagation check against a real BIND: what it waits for, and CNAME following.</summary>
public sealed class Dns01PropagationCheckTests(Rfc2136BindServer bind) : IClassFixture<Rfc2136BindServer>
{
    private readonly Dns01PropagationCheck _check = new(TimeSpan.FromSeconds(2));

    private Rfc2136Provider Provider() => new(new Rfc2136Settings
    {
        Nameserver = bind.Nameserver,
        TsigKeyName = Rfc2136BindServer.Sha256KeyName,
        TsigSecret = bind.Sha256Secret,
        TsigAlgorithm = "HMACSHA256",
    });

    [Fact]
    public async Task WaitsUntilTheValueIsServedThenPasses()
    {
        var fqdn = $"_acme-challenge.p{Guid.NewGuid():N}.{Rfc2136BindServer.Sha256Zone}.";
        Assert.Equal($"DNS record for \"{fqdn.TrimEnd('.')}\" not yet propagated", await _check.CheckAsync(fqdn, "v1", [bind.Nameserver]));

        await Provider().PresentAsync(fqdn, "v1");
        Assert.Null(await _check.CheckAsync(fqdn, "v1", [bind.Nameserver]));
        // another value on the same name (apex and wildcard) is checked on its own
        Assert.NotNull(await _check.CheckAsync(fqdn, "v2", [bind.Nameserver]));
        await Provider().PresentAsync(fqdn, "v2");
        Assert.Null(await _check.CheckAsync(fqdn, "v2", [bind.Nameserver]));
        Assert.Null(await _check.CheckAsync(fqdn, "v1", [bind.Nameserver]));
    }

    [Fact]
    public async Task FindsTheZoneOfANameBySoaAsWebhookSolversAreTold()
    {
        Assert.Equal($"{Rfc2136BindServer.Sha256Zone}.",
            await _check.FindZoneAsync($"_acme-challenge.deep.www.{Rfc2136BindServer.Sha256Zone}.", [bind.Nameserver]));
        // BIND refuses names outside its zones: no zone is a guess, as in cert-manager's FindZoneByFqdn
        var refused = await Assert.ThrowsAsync<CertFleet.Providers.Http01.DnsResolutionException>(() => _check.FindZoneAsync("_acme-challenge.www.elsewhere.example.", [bind.Nameserver]));
        Assert.Contains("unexpected response code Refused to SOA _acme-challenge.www.elsewhere.example", refused.Message);
        var silent = await Assert.ThrowsAsync<CertFleet.Providers.Http01.DnsResolutionException>(() => _check.FindZoneAsync("_acme-challenge.x.example.", ["127.0.0.1:1"]));
        Assert.Contains("no answer to SOA _acme-challenge.x.example", silent.Message);
    }

    [Fact]
    public async Task AnUnreachableNameserverIsReportedNotPassed()
    {
        var fqdn = $"_acme-challenge.x.{Rfc2136BindServer.Sha256Zone}.";
        var error = await _check.CheckAsync(fqdn, "v", ["127.0.0.1:1"]);
        Assert.StartsWith($"DNS record for \"{fqdn.TrimEnd('.')}\" not yet propagated: no answer from 127.0.0.1:1", error);
    }

    [Fact]
    public async Task FollowsACnameToWhereTheValueMustBePublished()
    {
        var zone = Rfc2136BindServer.Sha256Zone;
        Assert.Equal($"_acme-challenge.target.{zone}.", await _check.FollowCnameAsync($"_acme-challenge.alias.{zone}.", [bind.Nameserver]));
        // a name without a CNAME is its own target
        Assert.Equal($"_acme-challenge.plain.{zone}.", await _check.FollowCnameAsync($"_acme-challenge.plain.{zone}.", [bind.Nameserver]));
    }
}
