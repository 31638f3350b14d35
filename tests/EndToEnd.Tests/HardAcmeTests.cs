using System.Security.Cryptography.X509Certificates;

namespace CertFleet.EndToEnd.Tests;

/// <summary>ACME against an awkward Pebble: 30 % bad nonces, EAB required, an alternate root, authorization reuse.</summary>
[Collection(HardAcmeCollection.Name)]
public sealed class HardAcmeTests(HardAcmeFixture cluster) : AcmeSteps(cluster)
{
    private async Task<string> EabIssuerAsync(string name, params string[] extra)
    {
        await cluster.MustAsync("-n", "cert-manager", "create", "secret", "generic", $"{name}-eab", $"--from-literal=secret={HardAcmeFixture.EabHmacKey}");
        await cluster.ApplyAsync(cluster.ClusterIssuer(name, ["externalAccountBinding:", $"  keyID: {HardAcmeFixture.EabKeyId}",
            "  keySecretRef:", $"    name: {name}-eab", "    key: secret", .. extra]));
        await WaitAsync("clusterissuer", "", name, "{.status.conditions[?(@.type==\"Ready\")].reason}", "ACMEAccountRegistered");
        return name;
    }

    [Fact]
    public async Task WithoutExternalAccountBindingTheIssuerSaysTheCaRequiresIt()
    {
        var name = $"noeab-{Guid.NewGuid():N}"[..14];
        await cluster.ApplyAsync(cluster.ClusterIssuer(name));
        await WaitAsync("clusterissuer", "", name, "{.status.conditions[?(@.type==\"Ready\")].reason}", "ErrRegisterACMEAccount");
        Assert.Contains("externalAccountRequired", await Field("clusterissuer", "", name, "{.status.conditions[?(@.type==\"Ready\")].message}"));
    }

    [Fact]
    public async Task EabIssuerWithPreferredChainIssuesUnderTheAlternateRootDespiteBadNonces()
    {
        using var alternate = X509Certificate2.CreateFromPem(await cluster.Pebble.RootPemAsync(1));
        var preferred = alternate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        var issuer = await EabIssuerAsync($"eab-{Guid.NewGuid():N}"[..12], $"preferredChain: \"{preferred}\"");
        var ns = await cluster.NamespaceAsync();
        await CertificateAsync(ns, "alt", issuer, $"alt.{ns}.example");
        await WaitAsync("certificate", ns, "alt", "{.status.conditions[?(@.type==\"Ready\")].status}", "True");
        await AssertChainsToPebbleRootAsync(ns, "alt-tls", 1, $"alt.{ns}.example");
    }

    [Fact]
    public async Task ASecondCertificateForTheSameNameReusesTheValidAuthorization()
    {
        var issuer = await EabIssuerAsync($"reuse-{Guid.NewGuid():N}"[..14]);
        var ns = await cluster.NamespaceAsync();
        await CertificateAsync(ns, "first", issuer, $"same.{ns}.example");
        await WaitAsync("certificate", ns, "first", "{.status.conditions[?(@.type==\"Ready\")].status}", "True");
        var challengesAfterFirst = (await cluster.MustAsync("-n", ns, "get", "challenges", "-o", "name")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        Assert.Equal(1, challengesAfterFirst);

        await CertificateAsync(ns, "second", issuer, $"same.{ns}.example");
        await WaitAsync("certificate", ns, "second", "{.status.conditions[?(@.type==\"Ready\")].status}", "True");
        await AssertChainsToPebbleRootAsync(ns, "second-tls", 0, $"same.{ns}.example");
        // the CA reused the authorization: the second order needed no challenge
        var challenges = (await cluster.MustAsync("-n", ns, "get", "challenges", "-o", "name")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(challenges);
        var states = await cluster.MustAsync("-n", ns, "get", "orders", "-o", "jsonpath={.items[*].status.state}");
        Assert.Equal("valid valid", states.Trim());
    }
}
