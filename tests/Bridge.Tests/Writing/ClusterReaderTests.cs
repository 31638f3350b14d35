using System.Text;
using System.Text.Json.Nodes;
using CertFleet.Bridge.Tests.Infrastructure;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge;
using CertFleet.KubeEmulator;
using k8s;
using k8s.Models;

namespace CertFleet.Bridge.Tests.Writing;

public sealed class ClusterReaderTests : EmulatorTest
{
    private ClusterReader Reader => new(Api.Clusters);

    private Task CreateServiceAccountAsync(string name) =>
        Api.Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = name } }, Api.Namespace);

    [Fact]
    public async Task Token_is_requested_for_the_audiences_and_lifetime()
    {
        await CreateServiceAccountAsync("route53");

        var token = await Reader.RequestServiceAccountTokenAsync(Api.Key("route53"), ["sts.amazonaws.com"], TimeSpan.FromMinutes(10));

        Assert.NotNull(token);
        var payload = token.Token.Split('.')[1].Replace('-', '+').Replace('_', '/');
        var claims = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(payload + new string('=', (4 - payload.Length % 4) % 4))))!;
        Assert.Equal("sts.amazonaws.com", claims["aud"]![0]!.GetValue<string>());
        Assert.Equal($"system:serviceaccount:{Api.Namespace}:route53", claims["sub"]!.GetValue<string>());
        Assert.InRange(token.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(9), DateTimeOffset.UtcNow.AddMinutes(11));
    }

    [Fact]
    public async Task Missing_service_account_is_null()
    {
        Assert.Null(await Reader.RequestServiceAccountTokenAsync(Api.Key("absent"), ["sts.amazonaws.com"], TimeSpan.FromMinutes(10)));
    }

    [Fact]
    public async Task Api_failure_is_a_cluster_write_exception_naming_the_account()
    {
        await CreateServiceAccountAsync("route53");
        Api.Server.Faults.FailWrites(new WriteFault("", "serviceaccounts/token", 500, Count: 10) { Namespace = Api.Namespace });

        var error = await Assert.ThrowsAsync<ClusterWriteException>(
            () => Reader.RequestServiceAccountTokenAsync(Api.Key("route53"), ["sts.amazonaws.com"], TimeSpan.FromMinutes(10)));

        Assert.Equal(500, error.StatusCode);
        Assert.Contains($"ServiceAccount {Api.Key("route53")}", error.Message);
    }
}
