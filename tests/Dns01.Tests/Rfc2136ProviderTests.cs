using System.Security.Cryptography;
using CertFleet.Providers.Dns01;

using CertFleet.TestSupport;

namespace CertFleet.Dns01.Tests;

public sealed class Rfc2136ProviderTests(Rfc2136BindServer bind) : IClassFixture<Rfc2136BindServer>
{
    private Rfc2136Provider Sha256Provider(string protocol = "UDP", byte[]? secret = null) => new(new Rfc2136Settings
    {
        Nameserver = bind.Nameserver,
        TsigKeyName = Rfc2136BindServer.Sha256KeyName,
        TsigSecret = secret ?? bind.Sha256Secret,
        TsigAlgorithm = "HMACSHA256",
        Protocol = protocol,
    });

    [Fact]
    public async Task Present_PublishesTheValue()
    {
        const string fqdn = "_acme-challenge.present.example.test.";
        await Sha256Provider().PresentAsync(fqdn, "value-1");

        Assert.Equal(["value-1"], await bind.TxtValuesAsync(fqdn));
    }

    [Fact]
    public async Task TwoValuesOnOneName_CleanUpOfOneKeepsTheOther()
    {
        const string fqdn = "_acme-challenge.wild.example.test.";
        var provider = Sha256Provider();
        await provider.PresentAsync(fqdn, "apex");
        await provider.PresentAsync(fqdn, "wildcard");
        await provider.PresentAsync(fqdn, "apex");
        Assert.Equal(["apex", "wildcard"], (await bind.TxtValuesAsync(fqdn)).Order());

        await provider.CleanUpAsync(fqdn, "apex");

        Assert.Equal(["wildcard"], await bind.TxtValuesAsync(fqdn));
    }

    [Fact]
    public async Task CleanUpOfAnAbsentValue_Succeeds()
    {
        const string fqdn = "_acme-challenge.absent.example.test.";
        var provider = Sha256Provider();
        await provider.CleanUpAsync(fqdn, "never-there");
        await provider.PresentAsync(fqdn, "kept");

        await provider.CleanUpAsync(fqdn, "never-there");

        Assert.Equal(["kept"], await bind.TxtValuesAsync(fqdn));
    }

    [Fact]
    public async Task Tcp_Works()
    {
        const string fqdn = "_acme-challenge.tcp.example.test.";
        var provider = Sha256Provider("TCP");
        await provider.PresentAsync(fqdn, "over-tcp");
        Assert.Equal(["over-tcp"], await bind.TxtValuesAsync(fqdn));

        await provider.CleanUpAsync(fqdn, "over-tcp");

        Assert.Empty(await bind.TxtValuesAsync(fqdn));
    }

    [Fact]
    public async Task HmacMd5_IsTheDefaultAlgorithm()
    {
        const string fqdn = "_acme-challenge.md5.test.";
        var provider = new Rfc2136Provider(new Rfc2136Settings
        {
            Nameserver = bind.Nameserver,
            TsigKeyName = Rfc2136BindServer.Md5KeyName,
            TsigSecret = bind.Md5Secret,
        });

        await provider.PresentAsync(fqdn, "md5-value");

        Assert.Equal(["md5-value"], await bind.TxtValuesAsync(fqdn));
    }

    public static TheoryData<string, string> AlgorithmsAndProtocols => new()
    {
        { "HMACSHA1", "UDP" },
        { "HMACSHA1", "TCP" },
        { "HMACSHA512", "UDP" },
        { "HMACSHA512", "TCP" },
        { "HMACSHA256", "TCP" },
    };

    [Theory]
    [MemberData(nameof(AlgorithmsAndProtocols))]
    public async Task EachAlgorithm_IsAcceptedByBind(string algorithm, string protocol)
    {
        var (keyName, secret) = algorithm switch
        {
            "HMACSHA1" => (Rfc2136BindServer.Sha1KeyName, bind.Sha1Secret),
            "HMACSHA512" => (Rfc2136BindServer.Sha512KeyName, bind.Sha512Secret),
            _ => (Rfc2136BindServer.Sha256KeyName, bind.Sha256Secret),
        };
        var fqdn = $"_acme-challenge.{algorithm.ToLowerInvariant()}-{protocol.ToLowerInvariant()}.example.test.";
        var provider = new Rfc2136Provider(new Rfc2136Settings
        {
            Nameserver = bind.Nameserver,
            TsigKeyName = keyName,
            TsigSecret = secret,
            TsigAlgorithm = algorithm,
            Protocol = protocol,
        });

        await provider.PresentAsync(fqdn, "signed-" + algorithm);
        Assert.Equal(["signed-" + algorithm], await bind.TxtValuesAsync(fqdn));

        await provider.CleanUpAsync(fqdn, "signed-" + algorithm);
        Assert.Empty(await bind.TxtValuesAsync(fqdn));
    }

    [Fact]
    public async Task AlgorithmOtherThanTheKeys_IsRejectedByBind()
    {
        // The SHA-512 key signed as SHA-1: BIND knows no such key/algorithm pair.
        var provider = new Rfc2136Provider(new Rfc2136Settings
        {
            Nameserver = bind.Nameserver,
            TsigKeyName = Rfc2136BindServer.Sha512KeyName,
            TsigSecret = bind.Sha512Secret,
            TsigAlgorithm = "HMACSHA1",
        });

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(
            () => provider.PresentAsync("_acme-challenge.mismatch.example.test.", "v"));

        Assert.Contains(Rfc2136BindServer.Sha512KeyName, error.Message);
        Assert.Empty(await bind.TxtValuesAsync("_acme-challenge.mismatch.example.test."));
    }

    [Fact]
    public async Task WrongSecret_NamesTheKey()
    {
        const string fqdn = "_acme-challenge.badsig.example.test.";
        var provider = Sha256Provider(secret: RandomNumberGenerator.GetBytes(32));

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => provider.PresentAsync(fqdn, "v"));

        Assert.Contains(Rfc2136BindServer.Sha256KeyName, error.Message);
        Assert.Contains("BADSIG", error.Message);
        Assert.Empty(await bind.TxtValuesAsync(fqdn));
    }

    [Fact]
    public async Task UnknownKey_IsReportedAsBadKey()
    {
        var provider = new Rfc2136Provider(new Rfc2136Settings
        {
            Nameserver = bind.Nameserver,
            TsigKeyName = "no-such-key",
            TsigSecret = bind.Sha256Secret,
            TsigAlgorithm = "HMACSHA256",
        });

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(
            () => provider.PresentAsync("_acme-challenge.badkey.example.test.", "v"));

        Assert.Contains("BADKEY", error.Message);
        Assert.Contains("no-such-key", error.Message);
    }

    [Fact]
    public async Task UnsignedUpdate_IsRefusedWithAHint()
    {
        var provider = new Rfc2136Provider(new Rfc2136Settings { Nameserver = bind.Nameserver });

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(
            () => provider.PresentAsync("_acme-challenge.unsigned.example.test.", "v"));

        Assert.Contains("the nameserver refused the update: check tsigKeyName and the zone's update-policy", error.Message);
    }

    [Fact]
    public async Task UnknownZone_SaysTheNameserverIsNotAuthoritative()
    {
        var error = await Assert.ThrowsAsync<Dns01ProviderException>(
            () => Sha256Provider().PresentAsync("_acme-challenge.www.elsewhere.invalid.", "v"));

        Assert.Contains("not authoritative for any zone containing _acme-challenge.www.elsewhere.invalid", error.Message);
    }

    [Fact]
    public async Task UnansweredNameserver_TimesOut()
    {
        var provider = new Rfc2136Provider(new Rfc2136Settings
        {
            // Nothing listens on the discard port of loopback.
            Nameserver = "127.0.0.1:9",
            Timeout = TimeSpan.FromMilliseconds(300),
        });

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(
            () => provider.PresentAsync("_acme-challenge.example.test.", "v"));

        Assert.Contains("127.0.0.1:9", error.Message);
    }

    [Theory]
    [InlineData("ns1.example.test", "nameserver", "must be an IP address")]
    [InlineData("127.0.0.1:53 extra", "nameserver", "must be an IP address")]
    public void InvalidNameserver_IsRejected(string nameserver, string field, string reason)
    {
        var error = Assert.Throws<ArgumentException>(() => new Rfc2136Provider(new Rfc2136Settings { Nameserver = nameserver }));

        Assert.Contains($"spec.acme.solvers[].dns01.rfc2136.{field}", error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void UnknownAlgorithm_NamesTheField()
    {
        var error = Assert.Throws<ArgumentException>(() => new Rfc2136Provider(new Rfc2136Settings
        {
            Nameserver = "127.0.0.1",
            TsigKeyName = "k",
            TsigSecret = [1],
            TsigAlgorithm = "HMACSHA384",
        }));

        Assert.Contains("spec.acme.solvers[].dns01.rfc2136.tsigAlgorithm", error.Message);
        Assert.Contains("HMACSHA384", error.Message);
    }
}
