using CertFleet.Bridge.Tests.Infrastructure;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Fleet;
using CertFleet.Kubernetes.Bridge;
using CertFleet.Kubernetes.Bridge.Events;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CertFleet.Bridge.Tests.Writing;

/// <summary>The home Certificate of a FleetCertificate: created, kept to the spec, and never taken from someone else.</summary>
public sealed class OwnedCertificateTests : EmulatorTest
{
    private ClusterWriter Writer => new(Api.Clusters, new EventRecorder(Api.Clusters, new EventCorrelator(TimeProvider.System),
        Options.Create(new BridgeOptions { Identity = "silo-1" }), NullLogger<EventRecorder>.Instance));

    private static Certificate Wanted(string name, string dnsName) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = name,
            Labels = new() { [FleetNames.FleetCertificateLabel] = "shop" },
            OwnerReferences = [new OwnerReference { ApiVersion = FleetCertificate.GroupVersion, Kind = FleetCertificate.KindName, Name = "shop", Uid = "uid-shop", Controller = true, BlockOwnerDeletion = true }],
        },
        // issuerRef.kind and group left out: the API server defaults them, and the writer compares with the defaults.
        Spec = new CertificateSpec { SecretName = name, IssuerRef = new IssuerRef { Name = "ca" }, DnsNames = [dnsName] },
    };

    [Fact]
    public async Task Created_then_left_alone_while_unchanged_then_updated_when_the_spec_changes()
    {
        var created = await Writer.ApplyOwnedCertificateAsync(Api.Key("fleet-shop"), Wanted("fleet-shop", "a.example"), FleetNames.FleetCertificateLabel);
        Assert.NotNull(created);
        var stored = (await Api.GetAsync("certificates", "fleet-shop"))!.Value;
        Assert.Equal("shop", stored.GetProperty("metadata").GetProperty("labels").GetProperty(FleetNames.FleetCertificateLabel).GetString());
        Assert.Equal("uid-shop", stored.GetProperty("metadata").GetProperty("ownerReferences")[0].GetProperty("uid").GetString());
        var version = stored.GetProperty("metadata").GetProperty("resourceVersion").GetString();

        // The same spec again writes nothing: the watch sees no change, so no pass is started by its echo.
        var same = await Writer.ApplyOwnedCertificateAsync(Api.Key("fleet-shop"), Wanted("fleet-shop", "a.example"), FleetNames.FleetCertificateLabel);
        Assert.Equal(version, same!.Metadata.ResourceVersion);

        var changed = await Writer.ApplyOwnedCertificateAsync(Api.Key("fleet-shop"), Wanted("fleet-shop", "b.example"), FleetNames.FleetCertificateLabel);
        Assert.Equal(["b.example"], changed!.Spec.DnsNames);
        Assert.NotEqual(version, changed.Metadata.ResourceVersion);
        Assert.Equal(2, (await Api.GetAsync("certificates", "fleet-shop"))!.Value.GetProperty("metadata").GetProperty("generation").GetInt64());
    }

    [Fact]
    public async Task A_Certificate_of_that_name_without_the_label_is_someone_elses_and_is_not_touched()
    {
        await Api.CreateCertificateAsync("fleet-shop", secretName: "theirs");
        var applied = await Writer.ApplyOwnedCertificateAsync(Api.Key("fleet-shop"), Wanted("fleet-shop", "a.example"), FleetNames.FleetCertificateLabel);
        Assert.Null(applied);
        Assert.Equal("theirs", (await Api.GetAsync("certificates", "fleet-shop"))!.Value.GetProperty("spec").GetProperty("secretName").GetString());
    }
}
