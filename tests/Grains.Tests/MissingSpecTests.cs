using System.Text.Json;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using static CertFleet.Grains.Tests.TestObjects;

namespace CertFleet.Grains.Tests;

/// <summary>
/// spec is optional on Certificate and CertificateRequest, as in cert-manager's CRDs: an object without one (or with
/// "spec": null) reaches the grains, which say what is missing instead of failing.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class MissingSpecTests(ClusterFixture fixture)
{
    private FakeCluster Cluster => fixture.Cluster;

    [Theory]
    [InlineData("")]
    [InlineData(", \"spec\": null")]
    [InlineData(", \"spec\": {}")]
    public async Task ACertificateWithoutSpecIsInvalidSpecNamingTheMissingFields(string spec)
    {
        var ns = NewNamespace();
        var certificate = JsonSerializer.Deserialize<Certificate>(
            $$"""{"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {"name": "empty", "namespace": "{{ns}}", "uid": "uid-empty-{{ns}}", "generation": 1}{{spec}}}""",
            ApiJson.Options)!;

        await fixture.Grains.GetGrain<ICertificateGrain>(Key(ns, "empty").ToGrainKey()).SyncAsync(certificate);

        var ready = await Eventually(() => Task.FromResult(ConditionOf(Cluster, ns, "empty", ConditionTypes.Ready)), c => c is not null, "a Ready condition");
        Assert.Equal((ConditionStatus.False, CertFleetReasons.InvalidSpec), (ready!.Status, ready.Reason));
        Assert.Contains("spec.secretName: Required value", ready.Message);
        Assert.DoesNotContain(Cluster.Requests.Keys, k => k.Namespace == ns);
    }

    [Theory]
    [InlineData("")]
    [InlineData(", \"spec\": null")]
    public async Task ACertificateRequestWithoutSpecFailsSayingSpecRequestIsRequired(string spec)
    {
        var ns = NewNamespace();
        var request = JsonSerializer.Deserialize<CertificateRequest>(
            $$"""{"apiVersion": "cert-manager.io/v1", "kind": "CertificateRequest", "metadata": {"name": "empty", "namespace": "{{ns}}", "uid": "uid-empty-{{ns}}"}{{spec}}}""",
            ApiJson.Options)!;

        await fixture.Grains.GetGrain<ICertificateRequestGrain>(Key(ns, "empty").ToGrainKey()).ObserveAsync(request);

        var ready = Cluster.Status<CertificateRequestStatus>(ResourceKind.CertificateRequest, Key(ns, "empty"))!.Conditions!.Single(c => c.Type == ConditionTypes.Ready);
        Assert.Equal((ConditionStatus.False, CertificateRequestReasons.Failed), (ready.Status, ready.Reason));
        Assert.StartsWith("spec.request: Required value", ready.Message, StringComparison.Ordinal);
        Assert.Contains(Cluster.Events, e => e.Object == Key(ns, "empty") && e.Type == EventRecord.Warning && e.Reason == CertificateRequestReasons.Failed);
    }
}
