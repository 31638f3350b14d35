using System.Globalization;
using CertFleet.TestSupport;
using k8s;
using Xunit.Abstractions;

namespace CertFleet.Chart.Tests;

/// <summary>
/// HTTP-01 as installed: after `helm install` into the emulator, a silo run with the Deployment's own environment
/// keeps the solver Service, and EndpointSlices naming the release's silo pods, in a Challenge's namespace, and
/// removes them with the Challenge. The emulator has no EndpointSlice controller, so the test writes the release
/// http01 Service's slice as Kubernetes would.
/// </summary>
public sealed class InstalledSolverServiceTests(ChartEmulator emulator, ITestOutputHelper output) : IClassFixture<ChartEmulator>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_challenge_namespace_gets_the_solver_service_of_the_installed_silos()
    {
        var ns = await emulator.CreateNamespaceAsync("release");
        const string release = "cf-solver";
        var fullname = $"{release}-certfleet";
        var (installed, installOutput) = await emulator.HelmAsync("install", release, HelmCli.Chart, "--namespace", ns);
        Assert.True(installed == 0, installOutput);

        var deployment = await emulator.Client.AppsV1.ReadNamespacedDeploymentAsync(fullname, ns);
        var chartEnvironment = deployment.Spec.Template.Spec.Containers.Single().Env
            .Where(variable => variable.Value is not null)
            .ToDictionary(variable => variable.Name, variable => variable.Value);
        Assert.Equal($"{fullname}-http01", chartEnvironment["CertFleet__Http01__SiloServiceName"]);
        Assert.Equal(ns, chartEnvironment["CertFleet__Http01__SiloServiceNamespace"]);
        Assert.Equal(SolverServiceChecks.SolverService, chartEnvironment["CertFleet__Http01__SolverServiceName"]);

        // The Deployment's settings as they are, but for ports: this machine runs other tests beside this one.
        var ports = LoopbackPorts.Allocate(4);
        var environment = new Dictionary<string, string>(chartEnvironment)
        {
            ["KUBECONFIG"] = emulator.Server.KubeconfigPath,
            ["CertFleet__Http__Port"] = Text(ports[0]),
            ["CertFleet__Http01__SolverPort"] = Text(ports[1]),
            ["CertFleet__Metrics__Port"] = Text(ports[2]),
            ["CertFleet__Orleans__SiloPort"] = Text(ports[3]),
        };
        await using var silo = ChildProcess.Start("dotnet", [RepositoryCheckout.Built("Silo", "certfleet-silo.dll")], environment);

        var solverPort = ports[1];
        await MustApplyAsync(SolverServiceChecks.SiloSliceManifest(ns, $"{fullname}-http01", solverPort, "10.244.1.7", "10.244.2.9"));
        var challenges = await emulator.CreateNamespaceAsync("team");
        await MustApplyAsync($$"""
            apiVersion: acme.cert-manager.io/v1
            kind: Challenge
            metadata: {name: www-1-2-3, namespace: {{challenges}}}
            spec:
              url: https://acme.invalid/chall/www-1-2-3
              authorizationURL: https://acme.invalid/authz/www-1-2-3
              dnsName: www.{{challenges}}.example
              type: HTTP-01
              token: www-1-2-3-token
              key: www-1-2-3-token.thumbprint
              solver:
                http01:
                  ingress: {class: nginx}
              issuerRef: {name: nobody}
            """);

        try
        {
            await SolverServiceChecks.WaitForSolverServiceAsync(KubectlAsync, challenges, solverPort, ["10.244.1.7", "10.244.2.9"], Timeout);
            await MustAsync("-n", challenges, "delete", "challenge", "www-1-2-3");
            await SolverServiceChecks.WaitForNoSolverServiceAsync(KubectlAsync, challenges, Timeout);
        }
        catch
        {
            output.WriteLine(silo.Output);
            throw;
        }

        var (uninstalled, uninstallOutput) = await emulator.HelmAsync("uninstall", release, "--namespace", ns);
        Assert.True(uninstalled == 0, uninstallOutput);
    }

    private async Task MustApplyAsync(string manifest)
    {
        var path = Path.Combine(emulator.WorkDirectory, $"{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, manifest);
        await MustAsync("apply", "-f", path);
    }

    private async Task<string> MustAsync(params string[] arguments)
    {
        var (exitCode, text) = await emulator.KubectlAsync(arguments);
        Assert.True(exitCode == 0, $"kubectl {string.Join(' ', arguments)}: {text}");
        return text;
    }

    private Task<string> KubectlAsync(string[] arguments) => MustAsync(arguments);

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);
}
