using System.ComponentModel.DataAnnotations;
using System.Net;
using CertFleet.Grains.Tests;
using CertFleet.Silo;

namespace CertFleet.Durability.Tests;

/// <summary>The storage settings a silo refuses at start, with messages naming the key, and the address it advertises.</summary>
public sealed class SiloSettingsTests
{
    [Theory]
    [InlineData(null, "CertFleet:Redis:ConnectionString is required when CertFleet:Storage is \"redis\"")]
    [InlineData("foo=bar", "CertFleet:Redis:ConnectionString is not a Redis connection string: Keyword 'foo' is not supported")]
    [InlineData("ssl=true", "CertFleet:Redis:ConnectionString names no host:port (got \"ssl=true\")")]
    public void RedisStorage_WithoutAUsableConnectionString_IsRefused(string? connectionString, string message)
    {
        var settings = new CertFleetOptions { Storage = "redis", Redis = { ConnectionString = connectionString } };
        Assert.Contains(Problems(settings), problem => problem.StartsWith(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("127.0.0.1:6379")]
    [InlineData("redis-0:6379,redis-1:6379,password=secret,abortConnect=false")]
    public void RedisStorage_WithAConnectionString_IsAccepted(string connectionString) =>
        Assert.Empty(Problems(new CertFleetOptions { Storage = "redis", Redis = { ConnectionString = connectionString } }));

    [Fact]
    public void UnknownStorage_IsRefusedByConfigureToo()
    {
        var error = Assert.Throws<InvalidOperationException>(() => TestSilo.Build(new CertFleetOptions { Storage = "disk" }, new FakeCluster()));
        Assert.Equal("CertFleet:Storage must be \"memory\" or \"redis\" (got \"disk\")", error.Message);
    }

    public static TheoryData<CertFleetOptions, string> EndpointProblems => new()
    {
        { new CertFleetOptions { Metrics = { Port = 70000 } }, "CertFleet:Metrics:Port must be a TCP port between 1 and 65535 (got 70000)" },
        { new CertFleetOptions { Metrics = { Port = 8080 } },
            "CertFleet:Metrics:Port must differ from CertFleet:Http:Port and CertFleet:Http01:SolverPort (got 8080)" },
        { new CertFleetOptions { Dashboard = { Enabled = true, Port = 9402 } },
            "CertFleet:Dashboard:Port must differ from CertFleet:Http01:SolverPort and CertFleet:Metrics:Port (got 9402); leave it unset to use CertFleet:Http:Port" },
        { new CertFleetOptions { Dashboard = { Enabled = true, Path = "dashboard/" } },
            "CertFleet:Dashboard:Path must be a path such as /dashboard (got \"dashboard/\")" },
        { new CertFleetOptions { Acme = { NewOrdersInFlight = 0 } }, "CertFleet:Acme:NewOrdersInFlight must be between 1 and 1000 (got 0)" },
    };

    [Theory]
    [MemberData(nameof(EndpointProblems))]
    public void EndpointAndAcmeSettings_ThatCannotBeUsed_AreRefusedNamingTheKey(CertFleetOptions settings, string message) =>
        Assert.Equal([message], Problems(settings));

    [Fact]
    public void TheDashboard_OnTheHttpPortOrAPortOfItsOwn_IsAccepted()
    {
        Assert.Empty(Problems(new CertFleetOptions { Dashboard = { Enabled = true } }));
        Assert.Empty(Problems(new CertFleetOptions { Dashboard = { Enabled = true, Port = 8081, Path = "/orleans" } }));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    public void WithoutPodIp_TheSiloAdvertisesLoopback(string? podIp) =>
        Assert.Equal(IPAddress.Loopback, SiloStorage.AdvertisedAddress(podIp));

    [Fact]
    public void WithPodIp_TheSiloAdvertisesIt() =>
        Assert.Equal(IPAddress.Parse("192.0.2.10"), SiloStorage.AdvertisedAddress("192.0.2.10"));

    [Fact]
    public void APodIpThatIsNoAddress_IsRefusedNamingTheVariable()
    {
        var error = Assert.Throws<InvalidOperationException>(() => SiloStorage.AdvertisedAddress("pod-a"));
        Assert.Equal("POD_IP must be the pod's IP address (got \"pod-a\")", error.Message);
    }

    private static List<string> Problems(CertFleetOptions settings) =>
        [.. settings.Validate(new ValidationContext(settings)).Select(r => r.ErrorMessage!)];
}
