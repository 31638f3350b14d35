using System.Text;

namespace CertFleet.EndToEnd.Tests;

/// <summary>A CA's 429 with Retry-After, from a counting proxy in front of Pebble, through kubectl.</summary>
[Collection(AcmeCollection.Name)]
public sealed class RateLimitAcmeTests(AcmeFixture cluster) : AcmeSteps(cluster)
{
    [Fact]
    public async Task ATooManyRequestsAnswerIsWaitedOutAndNoOrderReachesTheCaBeforeRetryAfter()
    {
        await using var proxy = await TestSupport.AcmeCountingProxy.StartAsync(cluster.Pebble);
        proxy.RateLimitNextOrders(1, retryAfterSeconds: 20);
        var ns = await cluster.NamespaceAsync();
        var issuer = $"proxied-{ns}";
        await cluster.ApplyAsync($$"""
            apiVersion: cert-manager.io/v1
            kind: ClusterIssuer
            metadata:
              name: {{issuer}}
            spec:
              acme:
                server: {{proxy.DirectoryUrl}}
                caBundle: {{Convert.ToBase64String(Encoding.UTF8.GetBytes(proxy.CaPem))}}
                privateKeySecretRef:
                  name: {{issuer}}-account-key
                solvers:
                  - http01:
                      ingress:
                        class: nginx
            """);
        await WaitAsync("clusterissuer", "", issuer, "{.status.conditions[?(@.type==\"Ready\")].status}", "True");

        var applied = DateTimeOffset.UtcNow;
        await CertificateAsync(ns, "limited", issuer, $"limited.{ns}.example");
        await WaitAsync("certificate", ns, "limited", "{.status.conditions[?(@.type==\"Issuing\")].reason}", "RateLimited");
        var message = await Field("certificate", ns, "limited", "{.status.conditions[?(@.type==\"Issuing\")].message}");
        Assert.Contains("429", message);
        // kubectl describe shows the wait and when it ends, on the Certificate itself
        var described = await cluster.MustAsync("-n", ns, "describe", "certificate", "limited");
        Assert.Contains("RateLimited", described);
        Assert.Contains("nothing is ordered before", described);
        var retryAt = DateTimeOffset.Parse(System.Text.RegularExpressions.Regex.Match(message, @"nothing is ordered before (\S+),").Groups[1].Value,
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAt, applied.AddSeconds(15), DateTimeOffset.UtcNow.AddSeconds(21));
        Assert.Equal("", await Field("certificate", ns, "limited", "{.status.failedIssuanceAttempts}"));
        Assert.Equal(1, proxy.RefusedNewOrders);
        Assert.Empty(proxy.ForwardedNewOrders);

        await WaitAsync("certificate", ns, "limited", "{.status.conditions[?(@.type==\"Ready\")].status}", "True");
        // One order created; every newOrder POST that reached the CA (a badNonce retry is a second POST) came after Retry-After.
        Assert.Equal(1, proxy.OrdersCreated.GetValueOrDefault(TestSupport.AcmeCountingProxy.IdentifierSet($"limited.{ns}.example")));
        Assert.NotEmpty(proxy.ForwardedNewOrders);
        Assert.All(proxy.ForwardedNewOrders, forwarded =>
            Assert.True(forwarded >= retryAt, $"newOrder reached the CA at {forwarded:O}, before Retry-After {retryAt:O}"));
        Assert.Equal(1, proxy.RefusedNewOrders);
        Assert.Equal("", await Field("certificate", ns, "limited", "{.status.failedIssuanceAttempts}"));
        await AssertChainsToPebbleRootAsync(ns, "limited-tls", 0, $"limited.{ns}.example");
    }
}
