using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Fleet;
using CertFleet.KubeEmulator;
using k8s;
using k8s.Models;
using static CertFleet.Cli.Tests.TestCertificates;

namespace CertFleet.Cli.Tests;

/// <summary>
/// <c>--cluster NAME</c>: the fixture's emulator is the home cluster, holding the cluster Secrets in a controller
/// namespace of this test's own; a second emulator is member "east", reached only through its Secret's kubeconfig.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class ClusterFlagTests(CliFixture fixture) : IAsyncLifetime
{
    private const string Ns = "shop";
    private KubeEmulatorServer _east = null!;
    private k8s.Kubernetes _eastClient = null!;
    private string _controller = "";

    public async Task InitializeAsync()
    {
        _east = await KubeEmulatorServer.StartAsync(new KubeEmulatorOptions());
        _eastClient = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_east.KubeconfigPath));
        await CliFixture.InstallDefinitionsAsync(_eastClient, _ => true);
        await _eastClient.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Ns } });
        _controller = await fixture.NamespaceAsync();

        // East's kubeconfig as an operator might store it: its current context reaches nothing, the Secret's
        // "context" key names the one that works.
        var kubeconfig = (await File.ReadAllTextAsync(_east.KubeconfigPath))
            .Replace("current-context: kube-emulator", """
                - name: stale
                  context:
                    cluster: gone
                    user: kube-emulator
                current-context: stale
                """, StringComparison.Ordinal);
        await ClusterSecretAsync("east-cluster", "east", new() { [FleetNames.KubeconfigKey] = kubeconfig, [FleetNames.ContextKey] = "kube-emulator" });
        await ClusterSecretAsync("west-cluster", "west", new() { [FleetNames.KubeconfigKey] = "not: [a kubeconfig" });
    }

    public async Task DisposeAsync()
    {
        _eastClient.Dispose();
        await _east.DisposeAsync();
    }

    private Task ClusterSecretAsync(string name, string cluster, Dictionary<string, string> data) =>
        fixture.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                Labels = new Dictionary<string, string> { [FleetNames.ClusterSecretLabel] = "true" },
                Annotations = new Dictionary<string, string> { [FleetNames.ClusterNameAnnotation] = cluster },
            },
            Data = data.ToDictionary(d => d.Key, d => Encoding.UTF8.GetBytes(d.Value)),
        }, _controller);

    private Task<(int ExitCode, string Output, string Error)> RunOnAsync(string cluster, params string[] args) =>
        fixture.RunAsync([.. args, "--cluster", cluster, "--controller-namespace", _controller]);

    [Fact]
    public async Task StatusInspectAndRenewRunAgainstTheNamedMember()
    {
        var leaf = Generate("web.shop.example", isCA: false, DateTimeOffset.UtcNow.AddHours(-1));
        await CliFixture.CreateAsync(_eastClient, Certificate.Group, Certificate.Plural, Ns, new Certificate
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = Ns },
            Spec = new CertificateSpec { SecretName = "web-tls", DnsNames = ["web.shop.example"], IssuerRef = new IssuerRef { Name = "ca", Kind = "ClusterIssuer" } },
        }, new CertificateStatus
        {
            Conditions = [new Condition { Type = "Ready", Status = "True", Reason = "Ready", Message = "Certificate is up to date and has not expired" }],
            NotAfter = leaf.NotAfter,
            Revision = 1,
        });
        await _eastClient.CoreV1.CreateNamespacedSecretAsync(leaf.ToSecret("web-tls", new Dictionary<string, string> { [Annotations.CertificateName] = "web" }), Ns);

        var (code, output, error) = await RunOnAsync("east", "status", "certificate", "web", "-n", Ns);
        Assert.True(code == 0, error);
        Assert.Contains("Name: web", output);
        Assert.Contains($"Namespace: {Ns}", output);
        Assert.Contains("  Ready: True, Reason: Ready, Message: Certificate is up to date and has not expired", output);
        // The home cluster has no such Certificate: the command read east.
        (code, _, error) = await fixture.RunAsync("status", "certificate", "web", "-n", Ns);
        Assert.Equal(1, code);
        Assert.Contains("not found", error);

        (code, output, error) = await RunOnAsync("east", "inspect", "secret", "web-tls", "-n", Ns);
        Assert.True(code == 0, error);
        Assert.Contains(leaf.SerialHex, output);

        (code, output, error) = await RunOnAsync("east", "renew", "web", "-n", Ns);
        Assert.True(code == 0, error);
        Assert.Equal($"Manually triggered issuance of Certificate {Ns}/web", output.Trim());
        var certificate = JsonNode.Parse(((JsonElement)await _eastClient.CustomObjects.GetNamespacedCustomObjectAsync(
            Certificate.Group, "v1", Ns, Certificate.Plural, "web")).GetRawText())!;
        Assert.Contains(certificate["status"]!["conditions"]!.AsArray(),
            c => c!["type"]!.GetValue<string>() == "Issuing" && c["reason"]!.GetValue<string>() == "ManuallyTriggered");
    }

    [Fact]
    public async Task AnUnknownMemberIsRefusedNamingTheKnownOnes()
    {
        var (code, output, error) = await RunOnAsync("north", "status", "certificate", "web", "-n", Ns);

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains($"no member cluster named \"north\" in namespace {_controller}", error);
        Assert.Contains("known members: east, west", error);
    }

    [Fact]
    public async Task AMemberWhoseKubeconfigCannotBeUsedIsNamedWithItsSecretAndWhy()
    {
        var (code, _, error) = await RunOnAsync("west", "status", "certificate", "web", "-n", Ns);

        Assert.Equal(1, code);
        // checked as the silos check it, with their message
        Assert.Contains($"the cluster Secret {_controller}/west-cluster of \"west\" cannot be used: key \"kubeconfig\" is not a readable kubeconfig", error);
    }
}
