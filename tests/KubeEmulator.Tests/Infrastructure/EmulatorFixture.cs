using k8s;
using k8s.Models;

namespace CertFleet.KubeEmulator.Tests.Infrastructure;

/// <summary>One emulator with the test CRDs installed, shared by the tests of a collection; each test works in its own namespace.</summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    public KubeEmulatorServer Server { get; private set; } = null!;

    public Kubernetes Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await StartAsync();
        Client = NewClient(Server);
        await TestResources.InstallAsync(Client);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }

    /// <summary>An emulator with quick bookmarks, as tests want them.</summary>
    public static Task<KubeEmulatorServer> StartAsync() =>
        KubeEmulatorServer.StartAsync(new KubeEmulatorOptions { BookmarkInterval = TimeSpan.FromMilliseconds(300) });

    /// <summary>A KubernetesClient configured from the emulator's kubeconfig, exactly as a user's would be.</summary>
    public static Kubernetes NewClient(KubeEmulatorServer server) =>
        new(KubernetesClientConfiguration.BuildConfigFromConfigFile(server.KubeconfigPath));

    public Task<string> CreateNamespaceAsync() => CreateNamespaceAsync(Client);

    public static async Task<string> CreateNamespaceAsync(Kubernetes client)
    {
        var name = "t-" + Guid.NewGuid().ToString("N")[..10];
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }
}

[CollectionDefinition(Name)]
public sealed class EmulatorCollection : ICollectionFixture<EmulatorFixture>
{
    public const string Name = "emulator";
}
