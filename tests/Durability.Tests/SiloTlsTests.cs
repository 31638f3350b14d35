using System.ComponentModel.DataAnnotations;
using System.Net;
using CertFleet.Grains.Tests;
using CertFleet.Silo;
using CertFleet.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Runtime;

namespace CertFleet.Durability.Tests;

/// <summary>
/// Silo-to-silo TLS (CertFleet:Orleans:Tls): silos with certificates from the configured CA form a cluster; a silo with
/// a certificate from another CA, or with none, cannot join it, and a client without one cannot call a grain.
/// </summary>
public sealed class SiloTlsTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("certfleet-silo-tls-");
    private readonly ThrowawayCa _ca, _otherCa;

    public SiloTlsTests()
    {
        _ca = new ThrowawayCa(Directory.CreateDirectory(Path.Combine(_directory.FullName, "ca")).FullName);
        // Same subject as the cluster's CA: only the signature tells them apart.
        _otherCa = new ThrowawayCa(Directory.CreateDirectory(Path.Combine(_directory.FullName, "other")).FullName);
    }

    [Fact]
    public async Task SilosFromOneCa_FormACluster_AndNeitherAnotherCaNorPlainTcpGetsIn()
    {
        const string serviceId = "silo-tls";
        await using var redis = await RedisServer.StartAsync();
        var withGateway = Settings(redis, serviceId, Tls(_ca, _ca.IssuePeerCertificate("silo-a")));
        withGateway.Orleans.GatewayPort = 1;
        await using var first = await TestSilo.StartAsync(withGateway, new FakeCluster());
        await using var second = await TestSilo.StartAsync(Settings(redis, serviceId, Tls(_ca, _ca.IssuePeerCertificate("silo-b"))), new FakeCluster());

        await Poll.UntilAsync(async () => (await RedisKeys.MembersAsync(redis, serviceId, serviceId)).Count(m => m.Status == RedisKeys.ActiveStatus) == 2,
            "two Active silos", TimeSpan.FromSeconds(60));
        // Work shared over the TLS connections: the first silo asks both for their statistics.
        var management = first.Grains.GetGrain<IManagementGrain>(0);
        var hosts = await management.GetHosts(onlyActive: true);
        Assert.Equal(2, (await management.GetRuntimeStatistics([.. hosts.Keys])).Length);
        // No gateway unless configured.
        Assert.Equal([0, withGateway.Orleans.GatewayPort!.Value],
            (await RedisKeys.MembersAsync(redis, serviceId, serviceId)).Select(m => m.ProxyPort).Order());

        // Both intruders at once: each waits out its (shortened) join attempt.
        var otherCa = Settings(redis, serviceId, Tls(_otherCa, _otherCa.IssuePeerCertificate("intruder")));
        var plain = Settings(redis, serviceId, new OrleansTlsSettings());
        var refusals = await Task.WhenAll(JoinFailureAsync(otherCa), JoinFailureAsync(plain));
        Assert.All(refusals, refusal => Assert.IsType<Orleans.Runtime.MembershipService.OrleansClusterConnectivityCheckFailedException>(refusal));
        var members = await RedisKeys.MembersAsync(redis, serviceId, serviceId);
        Assert.Equal(2, members.Count(m => m.Status == RedisKeys.ActiveStatus));
        Assert.Contains(members, m => SiloAddress.FromParsableString(m.Address).Endpoint.Port == otherCa.Orleans.SiloPort && m.Status != RedisKeys.ActiveStatus);
        Assert.Contains(members, m => SiloAddress.FromParsableString(m.Address).Endpoint.Port == plain.Orleans.SiloPort && m.Status != RedisKeys.ActiveStatus);

        // A client without a certificate reaches the gateway's port but no grain.
        var client = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        client.UseOrleansClient(orleans => orleans
            .UseStaticClustering(new IPEndPoint(IPAddress.Loopback, withGateway.Orleans.GatewayPort.Value))
            .Configure<ClusterOptions>(o => (o.ServiceId, o.ClusterId) = (serviceId, serviceId)));
        using var clientHost = client.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await clientHost.StartAsync(timeout.Token);
            await clientHost.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0).GetHosts();
        });
        Assert.Equal(2, (await management.GetHosts(onlyActive: true)).Count);
    }

    public static TheoryData<string, string> RefusedFiles => new()
    {
        { "missing", "CertFleet:Orleans:Tls:CertificateFile cannot be read (\"{dir}/missing.pem\"): " },
        { "garbage", "CertFleet:Orleans:Tls:CertificateFile holds no PEM certificate (\"{dir}/garbage.pem\")" },
        { "other key", "CertFleet:Orleans:Tls:KeyFile (\"{dir}/other/intruder.key\") is not the private key of the certificate in CertFleet:Orleans:Tls:CertificateFile (\"{dir}/ca/silo.pem\"); give the tls.key and tls.crt of one Secret" },
        { "other CA", "CertFleet:Orleans:Tls:CertificateFile (\"{dir}/other/intruder.pem\", CN=intruder, issued by CN=CertFleet throwaway test CA) does not chain to the CA in CertFleet:Orleans:Tls:CaFile (\"{dir}/ca/ca.pem\"): " },
        { "server only", "CertFleet:Orleans:Tls:CertificateFile (\"{dir}/ca/server.pem\") must allow both server and client authentication" },
    };

    [Theory]
    [MemberData(nameof(RefusedFiles))]
    public void UnusableFiles_AreRefusedNamingTheSetting(string files, string message)
    {
        var silo = _ca.IssuePeerCertificate("silo");
        var intruder = _otherCa.IssuePeerCertificate("intruder");
        var garbage = Path.Combine(_directory.FullName, "garbage.pem");
        File.WriteAllText(garbage, "not a certificate");
        var tls = files switch
        {
            "missing" => Tls(_ca, (Path.Combine(_directory.FullName, "missing.pem"), silo.KeyFile)),
            "garbage" => Tls(_ca, (garbage, silo.KeyFile)),
            "other key" => Tls(_ca, (silo.CertificateFile, intruder.KeyFile)),
            "other CA" => Tls(_ca, intruder),
            _ => Tls(_ca, _ca.IssueServerCertificate("server")),
        };
        Assert.StartsWith(message.Replace("{dir}", _directory.FullName, StringComparison.Ordinal), Assert.Single(Problems(tls)), StringComparison.Ordinal);
    }

    [Fact]
    public void TlsWithoutFiles_NamesEachMissingSetting_AndUsableFilesAreAccepted()
    {
        Assert.Equal([
            "CertFleet:Orleans:Tls:CertificateFile is required when CertFleet:Orleans:Tls:Enabled is true (the tls.crt of the silos' kubernetes.io/tls Secret)",
            "CertFleet:Orleans:Tls:KeyFile is required when CertFleet:Orleans:Tls:Enabled is true (the tls.key of the silos' kubernetes.io/tls Secret)",
            "CertFleet:Orleans:Tls:CaFile is required when CertFleet:Orleans:Tls:Enabled is true (the ca.crt of the silos' kubernetes.io/tls Secret)",
        ], Problems(new OrleansTlsSettings { Enabled = true }));
        Assert.Empty(Problems(Tls(_ca, _ca.IssuePeerCertificate("silo"))));
    }

    [Fact]
    public async Task TheSilo_GivenAKeyOfAnotherCertificate_ExitsWithCode2NamingTheSetting()
    {
        var silo = _ca.IssuePeerCertificate("silo");
        var intruder = _otherCa.IssuePeerCertificate("intruder");
        await using var process = ChildProcess.Start("dotnet", [RepositoryCheckout.Built("Silo", "certfleet-silo.dll")], new Dictionary<string, string>
        {
            ["CertFleet__Orleans__Tls__Enabled"] = "true",
            ["CertFleet__Orleans__Tls__CertificateFile"] = silo.CertificateFile,
            ["CertFleet__Orleans__Tls__KeyFile"] = intruder.KeyFile,
            ["CertFleet__Orleans__Tls__CaFile"] = _ca.CaFile,
        });
        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains($"configuration error: CertFleet:Orleans:Tls:KeyFile (\"{intruder.KeyFile}\") is not the private key of the certificate", process.Output,
            StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal);
    }

    private static CertFleetOptions Settings(RedisServer redis, string serviceId, OrleansTlsSettings tls)
    {
        var settings = TestSilo.RedisSettings(redis, serviceId);
        settings.Orleans.Tls = tls;
        return settings;
    }

    private static OrleansTlsSettings Tls(ThrowawayCa ca, (string CertificateFile, string KeyFile) certificate) =>
        new() { Enabled = true, CertificateFile = certificate.CertificateFile, KeyFile = certificate.KeyFile, CaFile = ca.CaFile };

    private static List<string> Problems(OrleansTlsSettings tls)
    {
        var settings = new CertFleetOptions { Orleans = { Tls = tls } };
        return [.. settings.Validate(new ValidationContext(settings)).Select(r => r.ErrorMessage!)];
    }

    /// <summary>Starts a silo that should not get into the cluster; returns why its start failed.</summary>
    private static async Task<Exception> JoinFailureAsync(CertFleetOptions settings)
    {
        using var host = TestSilo.Build(settings, new FakeCluster(), silo => silo.Configure<ClusterMembershipOptions>(o => o.MaxJoinAttemptTime = TimeSpan.FromSeconds(10)));
        // A silo whose start failed cannot be stopped, only disposed.
        var failure = await Record.ExceptionAsync(() => host.StartAsync());
        if (failure is null)
            await host.StopAsync();
        return failure ?? new Xunit.Sdk.XunitException($"the silo on port {settings.Orleans.SiloPort} joined the cluster");
    }

    public void Dispose()
    {
        _ca.Dispose();
        _otherCa.Dispose();
        _directory.Delete(recursive: true);
    }
}
