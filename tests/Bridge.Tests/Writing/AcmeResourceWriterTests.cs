using System.Text.Json;
using CertFleet.Bridge.Tests.Infrastructure;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge;
using CertFleet.Kubernetes.Bridge.Events;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CertFleet.Bridge.Tests.Writing;

public sealed class AcmeResourceWriterTests : EmulatorTest
{
    private const string Finalizer = "acme.cert-manager.io/finalizer";

    private ClusterWriter Writer => new(Api.Clusters, new EventRecorder(Api.Clusters, new EventCorrelator(TimeProvider.System),
        Options.Create(new BridgeOptions { Identity = "silo-1" }), NullLogger<EventRecorder>.Instance));

    private static Order NewOrder(string csr, string duration) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = "ignored: the key names it",
            ResourceVersion = "42",
            Labels = new() { ["team"] = "web" },
            Finalizers = [Finalizer, "example.com/keep"],
        },
        Spec = new OrderSpec
        {
            Request = System.Text.Encoding.ASCII.GetBytes(csr),
            IssuerRef = new IssuerRef { Name = "letsencrypt", Kind = "ClusterIssuer" },
            DnsNames = ["web.example.com"],
            Duration = duration,
        },
        Status = new OrderStatus { State = "valid" },
    };

    [Fact]
    public async Task Creating_an_order_twice_returns_the_first_one_without_status()
    {
        var created = await Writer.CreateResourceAsync(ResourceKind.Order, Api.Key("web-1-1234"), NewOrder("csr-1", "1h"));
        var again = await Writer.CreateResourceAsync(ResourceKind.Order, Api.Key("web-1-1234"), NewOrder("csr-2", "2h"));

        Assert.Equal("web-1-1234", created.Metadata.Name);
        Assert.Equal(Api.Namespace, created.Metadata.Namespace);
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.Equal(created.Metadata.Uid, again.Metadata.Uid);
        Assert.Equal("1h", again.Spec.Duration);
        Assert.Equal("web", again.Metadata.Labels!["team"]);
        Assert.Null(again.Status);
    }

    [Fact]
    public async Task Removing_a_finalizer_keeps_the_others_and_is_a_no_op_when_absent_or_the_object_is_gone()
    {
        await Writer.CreateResourceAsync(ResourceKind.Order, Api.Key("web-1-1234"), NewOrder("csr", "1h"));

        var written = await Writer.RemoveFinalizerAsync(ResourceKind.Order, Api.Key("web-1-1234"), Finalizer);
        Assert.Null(await Writer.RemoveFinalizerAsync(ResourceKind.Order, Api.Key("web-1-1234"), Finalizer));
        Assert.Null(await Writer.RemoveFinalizerAsync(ResourceKind.Order, Api.Key("absent"), Finalizer));

        Assert.Equal(["example.com/keep"], await FinalizersAsync("web-1-1234"));
        var order = (JsonElement)await Api.Client.CustomObjects.GetNamespacedCustomObjectAsync(
            Order.Group, Order.Version, Api.Namespace, Order.Plural, "web-1-1234");
        Assert.Equal(order.GetProperty("metadata").GetProperty("resourceVersion").GetString(), written);
    }

    [Fact]
    public async Task Removing_the_last_finalizer_lets_a_pending_deletion_finish()
    {
        await Writer.CreateResourceAsync(ResourceKind.Challenge, Api.Key("web-1-1234-5678"), new Challenge
        {
            Metadata = new ObjectMeta { Finalizers = [Finalizer] },
            Spec = new ChallengeSpec { DnsName = "web.example.com", Token = "t", Key = "t.k", Type = "HTTP-01" },
        });
        await Writer.DeleteAsync(ResourceKind.Challenge, Api.Key("web-1-1234-5678"));
        Assert.NotNull(await ChallengeAsync("web-1-1234-5678"));

        await Writer.RemoveFinalizerAsync(ResourceKind.Challenge, Api.Key("web-1-1234-5678"), Finalizer);

        Assert.Null(await ChallengeAsync("web-1-1234-5678"));
    }

    private async Task<List<string>> FinalizersAsync(string name)
    {
        var order = (JsonElement)await Api.Client.CustomObjects.GetNamespacedCustomObjectAsync(
            Order.Group, Order.Version, Api.Namespace, Order.Plural, name);
        return ApiObjects.Read<Order>(order).Metadata.Finalizers ?? [];
    }

    private async Task<JsonElement?> ChallengeAsync(string name)
    {
        try
        {
            return (JsonElement)await Api.Client.CustomObjects.GetNamespacedCustomObjectAsync(
                Challenge.Group, Challenge.Version, Api.Namespace, Challenge.Plural, name);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
