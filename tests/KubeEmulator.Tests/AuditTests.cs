using CertFleet.KubeEmulator.Audit;
using CertFleet.KubeEmulator.Tests.Infrastructure;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace CertFleet.KubeEmulator.Tests;

/// <summary>The audited client: its requests are served like any other and recorded as kube-apiserver would ask RBAC.</summary>
public sealed class AuditTests : IAsyncLifetime
{
    private const string User = "system:serviceaccount:ops:audited";
    private readonly string _log = Path.Combine(Directory.CreateTempSubdirectory("audit-tests-").FullName, "audit.jsonl");
    private KubeEmulatorServer _server = null!;
    private Kubernetes _admin = null!;
    private Kubernetes _audited = null!;

    public async Task InitializeAsync()
    {
        _server = await KubeEmulatorServer.StartAsync(new KubeEmulatorOptions { AuditedClient = new AuditedClientOptions(_log, User) });
        _admin = EmulatorFixture.NewClient(_server);
        _audited = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_server.AuditedKubeconfigPath));
        await TestResources.InstallAsync(_admin);
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        _audited.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(_log)!, recursive: true);
    }

    private static AccessRecord Core(string verb, string resource, string? ns, string? name = null, string? sub = null) =>
        new(User, verb, "", resource, sub, ns, name);

    [Fact]
    public async Task EachVerb_IsRecordedAsRbacNamesIt_AndOnlyForTheAuditedClient()
    {
        var ns = await EmulatorFixture.CreateNamespaceAsync(_admin);
        await _admin.CoreV1.ListNamespacedSecretAsync(ns); // the main token: not recorded

        await _audited.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "s" } }, ns);
        await _audited.CoreV1.ReadNamespacedSecretAsync("s", ns);
        await _audited.CoreV1.ListSecretForAllNamespacesAsync(labelSelector: "a=b");
        await _audited.CoreV1.ListNamespacedSecretAsync(ns, fieldSelector: "metadata.name=s");
        using (var watch = await _audited.CoreV1.ListNamespacedSecretWithHttpMessagesAsync(ns, watch: true, timeoutSeconds: 1))
        {
        }
        await _audited.CoreV1.PatchNamespacedSecretAsync(new V1Patch("{\"metadata\":{\"labels\":{\"a\":\"b\"}}}", V1Patch.PatchType.MergePatch), "s", ns);
        var secret = await _audited.CoreV1.ReadNamespacedSecretAsync("s", ns);
        await _audited.CoreV1.ReplaceNamespacedSecretAsync(secret, "s", ns);
        await _audited.CoreV1.DeleteNamespacedSecretAsync("s", ns);
        await _audited.CoreV1.DeleteCollectionNamespacedSecretAsync(ns);
        await Assert.ThrowsAsync<HttpOperationException>(() => _audited.CoreV1.ReadNamespacedSecretAsync("gone", ns)); // a 404 was still authorized first
        await _audited.CoreV1.ReadNamespaceAsync(ns);
        await _audited.Version.GetCodeAsync();

        var records = _server.Audit!.Records;
        Assert.Equal(
            new HashSet<AccessRecord>
            {
                Core("create", "secrets", ns),
                Core("get", "secrets", ns, "s"),
                Core("list", "secrets", null),
                Core("list", "secrets", ns, "s"),
                Core("watch", "secrets", ns),
                Core("patch", "secrets", ns, "s"),
                Core("update", "secrets", ns, "s"),
                Core("delete", "secrets", ns, "s"),
                Core("deletecollection", "secrets", ns),
                Core("get", "secrets", ns, "gone"),
                Core("get", "namespaces", ns, ns), // a Namespace is "in" itself, so a Role there can grant reading it
                new(User, "get", NonResourceUrl: "/version/"),
            },
            records.ToHashSet());
        // The file has the same records, once each.
        Assert.Equal(records.ToHashSet(), AccessLog.Read(_log).ToHashSet());
        Assert.Equal(records.Count, File.ReadAllLines(_log).Length);
    }

    [Fact]
    public async Task SubresourcesCreateOnUpdateAndOwnerReferences_AreRecordedAsTheApiServerChecksThem()
    {
        var ns = await EmulatorFixture.CreateNamespaceAsync(_admin);
        var owner = await _admin.CreateWidgetAsync(ns, TestResources.Widget("owner"));
        var withOwner = new V1ConfigMap
        {
            Metadata = new V1ObjectMeta
            {
                Name = "owned",
                OwnerReferences = [new V1OwnerReference { ApiVersion = "test.certfleet.io/v1", Kind = "Widget", Name = "owner", Uid = owner.Uid(), BlockOwnerDeletion = true }],
            },
        };
        await _audited.CoreV1.CreateNamespacedConfigMapAsync(withOwner, ns);
        // An apply patch that creates the object is authorized as patch and as create.
        await _audited.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"applied\"}}", V1Patch.PatchType.ApplyPatch),
            "applied", ns, fieldManager: "t");
        // Changing the owner references of an existing object: delete on it (no new blocking reference, nothing else).
        var applied = await _audited.CoreV1.ReadNamespacedConfigMapAsync("applied", ns);
        applied.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "test.certfleet.io/v1", Kind = "Widget", Name = "owner", Uid = owner.Uid() }];
        await _audited.CoreV1.ReplaceNamespacedConfigMapAsync(applied, "applied", ns);
        await _audited.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("{\"status\":{\"phase\":\"x\"}}", V1Patch.PatchType.MergePatch), TestResources.Group, TestResources.Version, ns, TestResources.Widgets, "owner");

        var records = _server.Audit!.Records.Where(r => r.Resource != "configmaps" || r.Verb != "get").ToHashSet();
        Assert.Equal(
            new HashSet<AccessRecord>
            {
                Core("create", "configmaps", ns),
                new(User, "update", TestResources.Group, TestResources.Widgets, "finalizers", ns, "owner", Check: AccessRecord.Checks.OwnerReferences),
                Core("patch", "configmaps", ns, "applied"),
                Core("create", "configmaps", ns, "applied") with { Check = AccessRecord.Checks.CreateOnUpdate },
                Core("update", "configmaps", ns, "applied"),
                Core("delete", "configmaps", ns, "applied") with { Check = AccessRecord.Checks.OwnerReferences },
                new(User, "patch", TestResources.Group, TestResources.Widgets, "status", ns, "owner"),
            },
            records);
    }
}
