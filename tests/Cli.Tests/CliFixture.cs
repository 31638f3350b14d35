using System.Text.Json;
using System.Text.Json.Nodes;
using CertFleet.Interfaces.Api;
using CertFleet.KubeEmulator;
using CertFleet.Kubernetes.Bridge.Cli;
using CertFleet.TestSupport;
using k8s;
using k8s.Models;

namespace CertFleet.Cli.Tests;

/// <summary>
/// One API emulator with CertFleet's generated CRDs (helm/certfleet/crds), a client to write objects as the controller
/// would, and the CLI run in-process against the emulator's kubeconfig.
/// </summary>
public sealed class CliFixture : IAsyncLifetime
{
    public KubeEmulatorServer Server { get; private set; } = null!;
    public k8s.Kubernetes Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await KubeEmulatorServer.StartAsync(new KubeEmulatorOptions());
        Client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(Server.KubeconfigPath));
        await InstallDefinitionsAsync(Client, _ => true);
    }

    /// <summary>Installs the chart's CRDs whose file name passes <paramref name="include"/>.</summary>
    public static async Task InstallDefinitionsAsync(IKubernetes client, Func<string, bool> include)
    {
        foreach (var file in Directory.GetFiles(RepositoryCheckout.Crds, "*.yaml").Where(f => include(Path.GetFileName(f))))
            await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(
                KubernetesYaml.Deserialize<V1CustomResourceDefinition>(await File.ReadAllTextAsync(file)));
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }

    public async Task<string> NamespaceAsync()
    {
        var ns = $"cli-{Guid.NewGuid():N}"[..14];
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        return ns;
    }

    /// <summary>Runs the CLI as `certfleet-silo ARGS --kubeconfig EMULATOR`.</summary>
    public async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CertFleetCli.RunAsync([.. args, "--kubeconfig", Server.KubeconfigPath], output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Creates a cert-manager object, then writes its status through the status subresource as the controller does.</summary>
    public Task<JsonObject> CreateAsync<T>(string group, string plural, string? ns, T resource, object? status = null) =>
        CreateAsync(Client, group, plural, ns, resource, status);

    /// <summary>As <see cref="CreateAsync{T}(string, string, string?, T, object?)"/>, on another API server (a fleet member's).</summary>
    public static async Task<JsonObject> CreateAsync<T>(IKubernetes client, string group, string plural, string? ns, T resource, object? status = null)
    {
        var body = JsonSerializer.SerializeToElement(resource, ApiJson.Options);
        var created = ns is null
            ? await client.CustomObjects.CreateClusterCustomObjectAsync(body, group, "v1", plural)
            : await client.CustomObjects.CreateNamespacedCustomObjectAsync(body, group, "v1", ns, plural);
        var name = ((JsonElement)created).GetProperty("metadata").GetProperty("name").GetString()!;
        if (status is not null)
        {
            var patch = new V1Patch(JsonSerializer.Serialize(new { status }, ApiJson.Options), V1Patch.PatchType.MergePatch);
            created = ns is null
                ? await client.CustomObjects.PatchClusterCustomObjectStatusAsync(patch, group, "v1", plural, name)
                : await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(patch, group, "v1", ns, plural, name);
        }
        return JsonNode.Parse(((JsonElement)created).GetRawText())!.AsObject();
    }

    public async Task<JsonObject> GetAsync(string group, string plural, string ns, string name) =>
        JsonNode.Parse(((JsonElement)await Client.CustomObjects.GetNamespacedCustomObjectAsync(group, "v1", ns, plural, name)).GetRawText())!.AsObject();

    public Task<Corev1Event> EventAsync(string ns, string kind, string apiVersion, string name, string type, string reason, string message) =>
        Client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = $"{name}.{Guid.NewGuid():N}", NamespaceProperty = ns },
            InvolvedObject = new V1ObjectReference { Kind = kind, ApiVersion = apiVersion, Name = name, NamespaceProperty = ns },
            Type = type,
            Reason = reason,
            Message = message,
            Count = 1,
            Source = new V1EventSource { Component = "cert-manager-certificates-issuing" },
            FirstTimestamp = DateTime.UtcNow,
            LastTimestamp = DateTime.UtcNow,
        }, ns);
}

[CollectionDefinition(Name)]
public sealed class CliCollection : ICollectionFixture<CliFixture>
{
    public const string Name = "cli";
}
