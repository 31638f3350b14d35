using System.Diagnostics;
using CertFleet.TestSupport;
using Xunit.Abstractions;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// DNS-01 through the Google Cloud DNS, DigitalOcean and Akamai solvers on Pebble: an Issuer's credentials from Secrets
/// in its namespace, each vendor's fake checking every request's shape and authentication (OAuth JWT grant, bearer
/// token, EdgeGrid signature) and publishing the values through challtestsrv, where Pebble and the self-check look.
/// A second solver that cannot be built is told on the Issuer as a Warning Event as soon as it is synced.
/// </summary>
[Collection(AcmeCollection.Name)]
public sealed class OtherDnsProvidersAcmeTests(AcmeFixture cluster, ITestOutputHelper output) : AcmeSteps(cluster)
{
    [Theory]
    [InlineData("cloudDNS")]
    [InlineData("digitalocean")]
    [InlineData("akamai")]
    public async Task AWildcardAndItsApexIssueThroughTheProvider(string provider)
    {
        var clock = Stopwatch.StartNew();
        var ns = await cluster.NamespaceAsync();
        var zone = $"{ns}.{provider.ToLowerInvariant()}.example";
        var (secret, solver) = provider switch
        {
            "cloudDNS" => (
                $$"""stringData: {key.json: '{{cluster.CloudDns.ServiceAccountKeyJson()}}'}""",
                $"cloudDNS: {{project: {AcmeFixture.GoogleProject}, serviceAccountSecretRef: {{name: dns-credentials}}}}"),
            "digitalocean" => (
                $"stringData: {{access-token: {AcmeFixture.DigitalOceanToken}}}",
                "digitalocean: {tokenSecretRef: {name: dns-credentials}}"),
            _ => (
                $"stringData: {{client-token: {AcmeFixture.AkamaiClient.ClientToken}, client-secret: {AcmeFixture.AkamaiClient.ClientSecret}, access-token: {AcmeFixture.AkamaiClient.AccessToken}}}",
                "akamai: {serviceConsumerDomain: akab-e2e.luna.akamaiapis.net, clientTokenSecretRef: {name: dns-credentials}, "
                + "clientSecretSecretRef: {name: dns-credentials}, accessTokenSecretRef: {name: dns-credentials}}"),
        };
        switch (provider)
        {
            case "cloudDNS": cluster.CloudDns.AddZone($"zone-{ns}", zone); break;
            case "digitalocean": cluster.DigitalOcean.AddDomain(zone); break;
            default: cluster.Akamai.AddZone(zone); break;
        }
        await cluster.MustApplyAsync($$"""
            apiVersion: v1
            kind: Secret
            metadata: {name: dns-credentials, namespace: {{ns}}}
            {{secret}}
            ---
            apiVersion: cert-manager.io/v1
            kind: Issuer
            metadata: {name: dns, namespace: {{ns}}}
            spec:
              acme:
                server: {{cluster.Pebble.DirectoryUrl}}
                caBundle: {{Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(cluster.Pebble.ListenerCaPem))}}
                privateKeySecretRef: {name: dns-account-key}
                solvers:
                  - dns01:
                      {{solver}}
                  - selector: {dnsZones: [elsewhere.example]}
                    dns01:
                      acmeDNS:
                        host: https://auth.acme-dns.example
                        accountSecretRef: {name: acme-dns-accounts}
            ---
            apiVersion: cert-manager.io/v1
            kind: Certificate
            metadata: {name: wild, namespace: {{ns}}}
            spec:
              secretName: wild-tls
              dnsNames: ["*.{{zone}}", "{{zone}}"]
              issuerRef: {name: dns, kind: Issuer}
            """);

        await WaitAsync("certificate", ns, "wild", "{.status.conditions[?(@.type==\"Ready\")].status}", "True");
        await AssertChainsToPebbleRootAsync(ns, "wild-tls", 0, $"*.{zone}", zone);
        var challenges = (await cluster.MustAsync("-n", ns, "get", "challenges", "-o",
            "jsonpath={range .items[*]}{.spec.type} {.spec.wildcard} {.status.state}{\"\\n\"}{end}")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["DNS-01 false valid", "DNS-01 true valid"], challenges.Order());
        output.WriteLine($"{provider}: issued a wildcard and its apex through DNS-01 in {clock.Elapsed.TotalSeconds:0.0} s");

        // Clean-up took both values away again, and no request strayed from the vendor's documented API.
        var name = $"_acme-challenge.{zone}";
        await WaitForCleanUpAsync(provider switch
        {
            "cloudDNS" => () => cluster.CloudDns.Rrdatas($"zone-{ns}", name + ".") is null,
            "digitalocean" => () => !cluster.DigitalOcean.Records.Any(r => r.Domain == zone),
            _ => () => cluster.Akamai.Rdata(name) is null,
        });
        DnsApiFake fake = provider switch { "cloudDNS" => cluster.CloudDns, "digitalocean" => cluster.DigitalOcean, _ => cluster.Akamai };
        Assert.Empty(fake.Violations);
        Assert.Equal(0, fake.Unauthenticated);

        // The acmeDNS solver names a Secret that does not exist: a Warning on the Issuer, the field and the fix named.
        var expected = $"Warning InvalidSolver spec.acme.solvers[1].dns01.acmeDNS.accountSecretRef: Secret \"{ns}/acme-dns-accounts\" not found";
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string events;
        while (!(events = await cluster.MustAsync("-n", ns, "get", "events", "--field-selector", "involvedObject.name=dns",
                   "-o", "jsonpath={range .items[*]}{.type} {.reason} {.message}{\"\\n\"}{end}")).Contains(expected, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no \"{expected}\" Event on the Issuer; its Events:\n{events}");
            await Task.Delay(500);
        }
        Assert.DoesNotContain("solvers[0]", events, StringComparison.Ordinal);
    }

    private static async Task WaitForCleanUpAsync(Func<bool> cleanedUp)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!cleanedUp())
        {
            Assert.True(DateTime.UtcNow < deadline, "the solver's TXT values were not cleaned up within 60 s");
            await Task.Delay(200);
        }
    }
}
