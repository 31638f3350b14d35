using System.ComponentModel.DataAnnotations;
using System.Net;
using CertFleet.Grains.Tests;
using CertFleet.Silo;
using CertFleet.TestSupport;

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

    [Theory]
    [InlineData("password=s3cret-Value,ssl=true",
        "CertFleet:Redis:ConnectionString names no host:port (got \"password=***,ssl=true\")")]
    [InlineData("redis://:s3cret-Value@redis-0:6379",
        "CertFleet:Redis:ConnectionString is a URL, which StackExchange.Redis does not read; write host:port,user=...,password=... (got \"redis://:***@redis-0:6379\")")]
    [InlineData("certfleet:s3cret-Value@redis-0:6379,ssl=true",
        "CertFleet:Redis:ConnectionString is a URL, which StackExchange.Redis does not read; write host:port,user=...,password=... (got \"certfleet:***@redis-0:6379,ssl=true\")")]
    [InlineData("redis-0:6379,password=s3cret-Value,connectTimeout=soon",
        "CertFleet:Redis:ConnectionString is not a Redis connection string: Keyword 'connectTimeout' requires an integer value; the value 'soon' is not recognised. (Parameter 'connectTimeout') (e.g. localhost:6379, or redis-0:6379,redis-1:6379,password=...)")]
    public void ARefusedConnectionString_IsShownWithoutItsPassword(string connectionString, string message)
    {
        var problems = Problems(new CertFleetOptions { Storage = "redis", Redis = { ConnectionString = connectionString } });
        Assert.StartsWith(message, Assert.Single(problems), StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-Value", problems[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSilo_GivenAConnectionStringWithoutHost_ExitsNamingTheKeyButNotThePassword()
    {
        await using var silo = ChildProcess.Start("dotnet", [RepositoryCheckout.Built("Silo", "certfleet-silo.dll")], new Dictionary<string, string>
        {
            ["CertFleet__Storage"] = "redis",
            ["CertFleet__Redis__ConnectionString"] = "password=s3cret-Value,ssl=true",
        });
        // Waits for the exit with all output read (HasExited alone can come before the last line is).
        Assert.Equal(2, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("configuration error: CertFleet:Redis:ConnectionString names no host:port (got \"password=***,ssl=true\")", silo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-Value", silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSilo_GivenAnUnknownKey_ExitsWithCode2NamingItAndTheNearestKnownOne()
    {
        await using var silo = ChildProcess.Start("dotnet", [RepositoryCheckout.Built("Silo", "certfleet-silo.dll")], new Dictionary<string, string>
        {
            ["CertFleet__Dns01__RecursiveNameserver"] = "10.0.0.10:53",
        });
        Assert.Equal(2, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(
            "configuration error: CertFleet:Dns01:RecursiveNameserver is not a known setting; did you mean CertFleet:Dns01:RecursiveNameservers?",
            silo.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("redis-0:6379,user=certfleet,Password=s3cret,ssl=true,sslHost=redis.internal",
        "redis-0:6379,user=certfleet,Password=***,ssl=true,sslHost=redis.internal")]
    [InlineData("redis-0:6379,password=a=b,c", "redis-0:6379,password=***,c")]
    [InlineData("redis://certfleet:s3c@ret@redis-0:6379/0,ssl=true", "redis://certfleet:***@redis-0:6379/0,ssl=true")]
    [InlineData("redis-0:6379,redis-1:6380,abortConnect=false", "redis-0:6379,redis-1:6380,abortConnect=false")]
    public void Redacted_HidesPasswordsAndKeepsEverythingElse(string connectionString, string shown) =>
        Assert.Equal(shown, RedisSettings.Redacted(connectionString));

    [Fact]
    public void ATrustedCaFile_IsRefusedWithoutSslOrWhenItHoldsNoCertificate()
    {
        var directory = Directory.CreateTempSubdirectory("certfleet-settings-");
        using var throwaway = new ThrowawayCa(directory.FullName);
        var ca = throwaway.CaFile;
        var garbage = Path.Combine(directory.FullName, "garbage.pem");
        File.WriteAllText(garbage, "not a certificate");
        string[] For(string connectionString, string file) =>
            [.. Problems(new CertFleetOptions { Storage = "redis", Redis = { ConnectionString = connectionString, TrustedCaFile = file } })];

        Assert.Equal(["CertFleet:Redis:TrustedCaFile is set but CertFleet:Redis:ConnectionString does not say ssl=true; add ssl=true (and sslHost=... if the certificate names another host)"],
            For("redis-0:6379", ca));
        Assert.Equal([$"CertFleet:Redis:TrustedCaFile holds no PEM certificate (\"{garbage}\")"], For("redis-0:6379,ssl=true", garbage));
        Assert.StartsWith($"CertFleet:Redis:TrustedCaFile cannot be read as a PEM certificate (\"{directory.FullName}/missing.pem\"): ",
            Assert.Single(For("redis-0:6379,ssl=true", Path.Combine(directory.FullName, "missing.pem"))), StringComparison.Ordinal);
        Assert.Empty(For("redis-0:6379,ssl=true,sslHost=redis.internal", ca));
        directory.Delete(recursive: true);
    }

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
        { new CertFleetOptions { Dashboard = { Enabled = true, Port = 9402, BearerTokenFile = DashboardToken } },
            "CertFleet:Dashboard:Port must differ from CertFleet:Http:Port, CertFleet:Http01:SolverPort and CertFleet:Metrics:Port (got 9402)" },
        { new CertFleetOptions { Dashboard = { Enabled = true, Port = 8080, BearerTokenFile = DashboardToken } },
            "CertFleet:Dashboard:Port must differ from CertFleet:Http:Port, CertFleet:Http01:SolverPort and CertFleet:Metrics:Port (got 8080)" },
        { new CertFleetOptions { Dashboard = { Enabled = true, BearerTokenFile = DashboardToken } },
            "CertFleet:Dashboard:Port is required when CertFleet:Dashboard:Enabled is true: the dashboard is served on a port of its own (e.g. 8081)" },
        { new CertFleetOptions { Dashboard = { Enabled = true, Port = 8081, Path = "dashboard/", BearerTokenFile = DashboardToken } },
            "CertFleet:Dashboard:Path must be a path such as /dashboard (got \"dashboard/\")" },
        { new CertFleetOptions { Dashboard = { Enabled = true, Port = 8081, Path = "/fleet", BearerTokenFile = DashboardToken } },
            "CertFleet:Dashboard:Path must not be /fleet: the fleet page is served there on the same port (got \"/fleet\")" },
        { new CertFleetOptions { Dashboard = { Enabled = true, Port = 8081 } },
            "CertFleet:Dashboard:Enabled is true but neither CertFleet:Dashboard:CredentialsFile nor CertFleet:Dashboard:BearerTokenFile is set: " +
            "the dashboard is only served with credentials; mount a Secret holding user:password or a token and name the file" },
        { new CertFleetOptions { Dashboard = { Enabled = true, Port = 8081, CredentialsFile = "/nonexistent/credentials" } },
            "CertFleet:Dashboard:CredentialsFile cannot be read (\"/nonexistent/credentials\"): Could not find a part of the path '/nonexistent/credentials'." },
        { new CertFleetOptions { Dashboard = { Enabled = true, Port = 8081, CredentialsFile = DashboardToken } },
            $"CertFleet:Dashboard:CredentialsFile must hold user:password on one line (\"{DashboardToken}\")" },
        { new CertFleetOptions { Dashboard = { Enabled = true, Port = 8081, BearerTokenFile = EmptyFile } },
            $"CertFleet:Dashboard:BearerTokenFile is empty (\"{EmptyFile}\")" },
    };

    /// <summary>A token file and an empty one, as a Secret would mount them.</summary>
    private static readonly string DashboardToken = SecretFile("token", "s3cret-token\n"), EmptyFile = SecretFile("empty", "");

    private static string SecretFile(string name, string content)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("certfleet-settings-").FullName, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Theory]
    [MemberData(nameof(EndpointProblems))]
    public void EndpointSettings_ThatCannotBeUsed_AreRefusedNamingTheKey(CertFleetOptions settings, string message) =>
        Assert.Equal([message], Problems(settings));

    [Fact]
    public void AcmeSettings_ThatCannotBeUsed_AreRefusedNamingTheKey() =>
        Assert.Equal(["CertFleet:Acme:NewOrdersInFlight must be between 1 and 1000 (got 0)"],
            new CertFleet.Grains.IssuanceOptions { AcmeNewOrdersInFlight = 0 }.Problems("CertFleet"));

    [Fact]
    public void TheDashboard_OnAPortOfItsOwnWithCredentials_IsAccepted()
    {
        var credentials = SecretFile("credentials", "platform:pass:word\n");
        Assert.Empty(Problems(new CertFleetOptions { Dashboard = { Enabled = true, Port = 8081, CredentialsFile = credentials } }));
        Assert.Empty(Problems(new CertFleetOptions { Dashboard = { Enabled = true, Port = 8081, Path = "/orleans", BearerTokenFile = DashboardToken } }));
        // Off, nothing about it is checked.
        Assert.Empty(Problems(new CertFleetOptions { Dashboard = { Port = 8080 } }));
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
