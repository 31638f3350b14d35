using CertFleet.Bridge.Tests.Infrastructure;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Ports;
using CertFleet.KubeEmulator;
using CertFleet.Kubernetes.Bridge;
using CertFleet.Kubernetes.Bridge.Events;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CertFleet.Bridge.Tests.Events;

public sealed class EventRecorderTests : EmulatorTest
{
    private EventRecorder Recorder => _recorder ??= new EventRecorder(Api.Clusters, new EventCorrelator(TimeProvider.System),
        Options.Create(new BridgeOptions { Identity = "silo-1" }), NullLogger<EventRecorder>.Instance);

    private EventRecorder? _recorder;

    private EventRecord Issuing(string uid, string message = "Issuing certificate as Secret does not exist") =>
        new(ResourceKind.Certificate, Api.Key("web"), uid, EventRecord.Normal, "Issuing", message,
            "cert-manager-certificates-trigger");

    private async Task<IList<Corev1Event>> EventsIn(string ns) => (await Api.Client.CoreV1.ListNamespacedEventAsync(ns)).Items;

    [Fact]
    public async Task A_repeated_event_is_one_event_with_a_count()
    {
        var certificate = await Api.CreateCertificateAsync("web");
        var uid = certificate.Metadata.Uid!;

        await Recorder.RecordAsync(Issuing(uid));
        await Recorder.RecordAsync(Issuing(uid));

        var recorded = Assert.Single(await EventsIn(Api.Namespace));
        Assert.Equal(2, recorded.Count);
        Assert.Matches("^web\\.[0-9a-f]{16}$", recorded.Metadata.Name);
        Assert.Equal("Issuing", recorded.Reason);
        Assert.Equal("Normal", recorded.Type);
        Assert.Equal("cert-manager-certificates-trigger", recorded.Source.Component);
        Assert.Equal("cert-manager-certificates-trigger", recorded.ReportingComponent);

        Assert.Equal(("cert-manager.io/v1", "Certificate", "web", Api.Namespace, uid),
            (recorded.InvolvedObject.ApiVersion, recorded.InvolvedObject.Kind, recorded.InvolvedObject.Name,
                recorded.InvolvedObject.NamespaceProperty, recorded.InvolvedObject.Uid));
        Assert.NotNull(recorded.FirstTimestamp);
        Assert.True(recorded.LastTimestamp >= recorded.FirstTimestamp);

        // kubectl describe finds Events by these fields.
        var described = await Api.Client.CoreV1.ListNamespacedEventAsync(Api.Namespace,
            fieldSelector: $"involvedObject.kind=Certificate,involvedObject.name=web,involvedObject.namespace={Api.Namespace},involvedObject.uid={uid}");
        Assert.Single(described.Items);
    }

    [Fact]
    public async Task An_event_names_the_member_cluster_of_its_object_and_the_silo_that_wrote_it()
    {
        // A second member, "east", served by the same emulator: its Events go to east's API server.
        Api.Clusters.Add(new ClusterRegistration("east", ClusterRegistration.SecretSource, new Dictionary<string, string>()),
            KubernetesClientConfiguration.BuildConfigFromConfigFile(Api.Server.KubeconfigPath), BridgeEmulator.BridgeOptionsFor(Api.Server));
        var certificate = await Api.CreateCertificateAsync("web");

        await Recorder.RecordAsync(Issuing(certificate.Metadata.Uid!) with { Object = new ObjectKey("east", Api.Namespace, "web") });

        var recorded = Assert.Single(await EventsIn(Api.Namespace));
        Assert.Equal(("cert-manager-certificates-trigger", "east"), (recorded.Source.Component, recorded.Source.Host));
        Assert.Equal("silo-1", recorded.ReportingInstance);
    }

    [Fact]
    public async Task An_object_cannot_flood_the_cluster_with_events()
    {
        for (var i = 0; i < 40; i++)
            await Recorder.RecordAsync(Issuing("uid-1", $"attempt {i}"));

        Assert.Equal(EventCorrelator.SpamBurst, (await EventsIn(Api.Namespace)).Count);
    }

    [Fact]
    public async Task Events_of_cluster_scoped_objects_are_in_the_default_namespace()
    {
        await Recorder.RecordAsync(new EventRecord(ResourceKind.ClusterIssuer, new ObjectKey(BridgeEmulator.Cluster, "", "letsencrypt"),
            "uid-2", EventRecord.Warning, "ErrRegisterACMEAccount", "Failed to register ACME account", "cert-manager-clusterissuers"));

        var recorded = Assert.Single(await EventsIn("default"), e => e.InvolvedObject.Name == "letsencrypt");
        Assert.Null(recorded.InvolvedObject.NamespaceProperty);
        Assert.Equal("Warning", recorded.Type);
    }

    [Fact]
    public async Task A_failing_event_write_does_not_reach_the_caller()
    {
        Api.Server.Faults.FailWrites(new WriteFault("", "events", 500, Count: 10));

        await Recorder.RecordAsync(Issuing("uid-1"));
        await Recorder.RecordAsync(Issuing("uid-1") with { Object = Api.Key("web") with { Namespace = "no-such-namespace" } });

        Assert.Empty(await EventsIn(Api.Namespace));
        Assert.True(Api.Server.Stats.FaultsInjected >= 1);
    }
}
