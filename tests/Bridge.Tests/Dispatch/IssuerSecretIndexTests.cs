using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Kubernetes.Bridge.Dispatch;

namespace CertFleet.Bridge.Tests.Dispatch;

public sealed class IssuerSecretIndexTests
{
    private static IssuerObject Ca(string kind, string secretName) => new()
    {
        Kind = kind,
        Metadata = new ObjectMeta { Name = "ca" },
        Spec = new IssuerSpec { CA = new CaIssuer { SecretName = secretName } },
    };

    [Fact]
    public void An_issuers_secret_is_read_in_its_namespace_and_a_cluster_issuers_by_name_in_any()
    {
        var index = new IssuerSecretIndex();
        index.Observe(new ObjectKey("c", "team", "ca"), Ca("Issuer", "team-ca"));
        index.Observe(new ObjectKey("c", "", "root"), Ca("ClusterIssuer", "root-ca"));

        Assert.True(index.IsReadByAnIssuer(new ObjectKey("c", "team", "team-ca")));
        Assert.False(index.IsReadByAnIssuer(new ObjectKey("c", "other", "team-ca")));
        Assert.False(index.IsReadByAnIssuer(new ObjectKey("other-cluster", "team", "team-ca")));
        Assert.True(index.IsReadByAnIssuer(new ObjectKey("c", "cert-manager", "root-ca")));
        Assert.False(index.IsReadByAnIssuer(new ObjectKey("c", "team", "web-tls")));
    }

    [Fact]
    public void A_changed_or_deleted_issuer_stops_reading_its_old_secret_while_others_still_read_it()
    {
        var index = new IssuerSecretIndex();
        var first = new ObjectKey("c", "team", "first");
        var second = new ObjectKey("c", "team", "second");
        index.Observe(first, Ca("Issuer", "shared"));
        index.Observe(second, Ca("Issuer", "shared"));

        index.Observe(first, Ca("Issuer", "moved"));
        Assert.True(index.IsReadByAnIssuer(new ObjectKey("c", "team", "shared")));
        Assert.True(index.IsReadByAnIssuer(new ObjectKey("c", "team", "moved")));

        index.Observe(second, null);
        Assert.False(index.IsReadByAnIssuer(new ObjectKey("c", "team", "shared")));
        index.Observe(first, new IssuerObject { Kind = "Issuer", Metadata = new ObjectMeta { Name = "first" }, Spec = new IssuerSpec { SelfSigned = new SelfSignedIssuer() } });
        Assert.False(index.IsReadByAnIssuer(new ObjectKey("c", "team", "moved")));
    }
}
