using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using CertFleet.Bridge.Tests.Infrastructure;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;
using CertFleet.KubeEmulator;
using CertFleet.Kubernetes.Bridge;
using CertFleet.Kubernetes.Bridge.Dispatch;
using CertFleet.Kubernetes.Bridge.Watching;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace CertFleet.Bridge.Tests.Watching;

/// <summary>Reflectors against the emulator: the real list/watch protocol, cut streams, 410s and selectors.</summary>
public sealed class ReflectorEmulatorTests : EmulatorTest
{
    private readonly ConcurrentQueue<ObjectChange> _changes = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _running = Task.CompletedTask;

    private GatedSource Start(IResourceSource source)
    {
        var gated = new GatedSource(source);
        _running = new Reflector(gated, BridgeEmulator.Cluster, _changes.Enqueue, NullLogger.Instance).RunAsync(_stop.Token);
        return gated;
    }

    private GatedSource StartCertificates() => Start(new CustomResourceSource(Api.Connection, ResourceKind.Certificate,
        json => ApiObjects.Read<Certificate>(json), NullLogger.Instance));

    private IEnumerable<Certificate> Certificates => _changes.Select(c => c.Object).OfType<Certificate>();

    private Task WaitForWatchAsync() =>
        Eventually.TrueAsync(() => Api.Server.Stats.ActiveWatches >= 1, "the reflector watches");

    /// <summary>Cuts the reflector's watch as soon as one is open (the previous one may still be reconnecting).</summary>
    private Task CutTheWatchAsync() => Eventually.TrueAsync(
        () => Api.Server.Faults.BreakWatches("cert-manager.io", "certificates", WatchBreak.Cut) == 1, "an open watch is cut");

    private Task PatchLabelAsync(string name, string value) =>
        Api.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["step"] = value } },
            }.ToJsonString(), V1Patch.PatchType.MergePatch),
            Certificate.Group, Certificate.Version, Api.Namespace, Certificate.Plural, name);

    private Task DeleteCertificateAsync(string name) =>
        Api.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(Certificate.Group, Certificate.Version, Api.Namespace,
            Certificate.Plural, name);

    [Fact]
    public async Task The_first_list_and_then_live_changes_are_delivered()
    {
        await Api.CreateCertificateAsync("a");
        await Api.CreateCertificateAsync("b");
        StartCertificates();
        await Eventually.TrueAsync(() => _changes.Count == 2, "the listed certificates arrive");
        await WaitForWatchAsync();

        await Api.CreateCertificateAsync("c");
        await PatchLabelAsync("a", "1");
        await DeleteCertificateAsync("b");
        await Eventually.TrueAsync(() => _changes.Count == 5, "the live changes arrive");

        var changes = _changes.ToArray();
        Assert.Equal(["a", "b"], changes[..2].Select(c => c.Key.Name).Order());
        Assert.All(changes[..2], c => Assert.IsType<Certificate>(c.Object));
        Assert.Equal("c", changes[2].Key.Name);
        Assert.Equal("1", Assert.IsType<Certificate>(changes[3].Object).Metadata.Labels!["step"]);
        Assert.Equal(("b", true), (changes[4].Key.Name, changes[4].IsDeletion));
        Assert.False(string.IsNullOrEmpty(changes[4].Uid));
        Assert.All(changes, c => Assert.Equal((BridgeEmulator.Cluster, Api.Namespace), (c.Key.Cluster, c.Key.Namespace)));
        Assert.Equal("a.example.com", Certificates.First(c => c.Metadata.Name == "a").Spec.DnsNames![0]);
    }

    [Fact]
    public async Task A_cut_watch_resumes_without_duplicates_or_misses()
    {
        await Api.CreateCertificateAsync("a");
        var source = StartCertificates();
        await Eventually.TrueAsync(() => _changes.Count == 1, "the listed certificate arrives");
        await WaitForWatchAsync();

        // Four cuts, each after five changes; the last change comes after the last cut.
        var expected = Enumerable.Range(1, 21).Select(i => i.ToString()).ToList();
        foreach (var step in expected)
        {
            await PatchLabelAsync("a", step);
            if (int.Parse(step) % 5 == 0)
                await CutTheWatchAsync();
        }
        await Eventually.TrueAsync(() => Certificates.Any(c => c.Metadata.Labels?["step"] == "21"), "the last change arrives");

        var steps = Certificates.Skip(1).Select(c => c.Metadata.Labels!["step"]).ToList();
        Assert.Equal(expected, steps);
        Assert.Equal(1, source.Lists);
        Assert.Equal(5, Api.Server.Stats.WatchesStarted);
    }

    [Fact]
    public async Task After_the_watched_version_expires_a_relist_reports_what_changed_meanwhile()
    {
        await Api.CreateCertificateAsync("kept");
        await Api.CreateCertificateAsync("changed");
        await Api.CreateCertificateAsync("deleted");
        var source = StartCertificates();
        await Eventually.TrueAsync(() => _changes.Count == 3, "the listed certificates arrive");
        await WaitForWatchAsync();

        // A partition: the watch breaks and cannot reconnect while the cluster moves on and compacts its history.
        source.Hold();
        await CutTheWatchAsync();
        await Eventually.TrueAsync(() => source.WaitingWatches == 1, "the reflector tries to watch again");
        await PatchLabelAsync("changed", "2");
        await DeleteCertificateAsync("deleted");
        var deletedUid = _changes.Single(c => c.Key.Name == "deleted").Uid;
        await Api.CreateCertificateAsync("created");
        Api.Server.TruncateWatchHistory();
        source.Release();

        await Eventually.TrueAsync(() => _changes.Count == 6, "the relist's differences arrive");
        var afterRelist = _changes.Skip(3).ToArray();
        Assert.Equal(2, source.Lists);
        Assert.Contains(afterRelist, c => c.Key.Name == "changed" && ((Certificate)c.Object!).Metadata.Labels!["step"] == "2");
        Assert.Contains(afterRelist, c => c.Key.Name == "created" && !c.IsDeletion);
        Assert.Contains(afterRelist, c => c.Key.Name == "deleted" && c.IsDeletion && c.Uid == deletedUid);
        Assert.DoesNotContain(afterRelist, c => c.Key.Name == "kept");

        // And it is watching again from the new list.
        await PatchLabelAsync("kept", "3");
        await Eventually.TrueAsync(() => _changes.Count == 7, "a change after the relist arrives");
    }

    [Fact]
    public async Task Only_secrets_matching_the_selector_are_watched_and_only_their_metadata_is_delivered()
    {
        async Task CreateSecretAsync(string name, params (string Key, string Value)[] labels) =>
            await Api.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
            {
                Metadata = new V1ObjectMeta { Name = name, Labels = labels.ToDictionary(l => l.Key, l => l.Value) },
                Data = new Dictionary<string, byte[]> { ["tls.key"] = Encoding.UTF8.GetBytes("private") },
            }, Api.Namespace);

        const string fao = "controller.cert-manager.io/fao", nextKey = "cert-manager.io/next-private-key";
        await CreateSecretAsync("managed", (fao, "true"));
        await CreateSecretAsync("unlabelled");
        await CreateSecretAsync("other-value", (fao, "false"));
        await CreateSecretAsync("next-key", (fao, "true"), (nextKey, "true"));
        Start(new SecretSource(Api.Connection, WatchedResources.SecretSelector));
        await Eventually.TrueAsync(() => _changes.Count == 1, "the managed secret arrives");
        await WaitForWatchAsync();

        await CreateSecretAsync("later", (fao, "true"));
        await CreateSecretAsync("later-next-key", (fao, "true"), (nextKey, "true"));
        // Leaving the selector is a deletion as far as the watch is concerned.
        await Api.Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch(new JsonObject
        {
            ["metadata"] = new JsonObject { ["labels"] = new JsonObject { [nextKey] = "true" } },
        }.ToJsonString(), V1Patch.PatchType.MergePatch), "managed", Api.Namespace);
        await Eventually.TrueAsync(() => _changes.Count == 3, "the live changes arrive");

        var changes = _changes.ToArray();
        var managed = Assert.IsType<SecretMetadata>(changes[0].Object);
        Assert.Equal(Api.Key("managed"), managed.Key);
        Assert.Equal("true", managed.Labels[fao]);
        Assert.Equal("later", changes[1].Key.Name);
        Assert.Equal(("managed", true), (changes[2].Key.Name, changes[2].IsDeletion));
        Assert.DoesNotContain(changes, c => c.Object is not null and not SecretMetadata);
    }

    public override async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        _stop.Dispose();
        await base.DisposeAsync();
    }
}
