namespace CertFleet.EndToEnd.Tests;

/// <summary>cert-manager's ACME metrics after an HTTP-01 issuance on Pebble: challenge status and client requests.</summary>
[Collection(AcmeCollection.Name)]
public sealed class AcmeMetricsTests(AcmeFixture cluster) : AcmeSteps(cluster)
{
    private const string ChallengeStatus = "certmanager_certificate_challenge_status";
    private const string Requests = "certmanager_http_acme_client_request_count";
    private const string RequestDuration = "certmanager_http_acme_client_request_duration_seconds";

    /// <summary>The action label values cert-manager's ACME client uses.</summary>
    private static readonly string[] CertManagerActions =
    [
        "accept_challenge", "authorize_order", "create_order_cert", "discover", "fetch_cert", "get_authorization", "get_challenge",
        "get_order", "get_registration", "get_renewal_info", "list_cert_alternates", "register_account", "update_registration",
        "wait_authorization", "wait_order",
    ];

    [Fact]
    public async Task ChallengeStatusAndAcmeClientRequestsAreExportedUnderCertManagersNamesAndLabels()
    {
        var (ns, issuer) = await NamespaceWithReadyIssuerAsync();
        var domain = $"metered.{ns}.example";
        await CertificateAsync(ns, "metered", issuer, domain);
        await WaitAsync("certificate", ns, "metered", "{.status.conditions[?(@.type==\"Ready\")].status}", "True");
        var challenge = (await cluster.MustAsync("-n", ns, "get", "challenges", "-o", "jsonpath={.items[0].metadata.name}")).Trim();
        Assert.Equal("valid", await Field("challenge", ns, challenge, "{.status.state}"));
        var reason = await Field("challenge", ns, challenge, "{.status.reason}");

        var scrape = await Processes.Eventually(cluster.ScrapeAsync,
            s => s.Named(ChallengeStatus).Any(x => x.Has(("name", challenge), ("namespace", ns), ("status", "valid")) && x.Value == 1),
            $"challenge {challenge} valid in the metrics");

        // one series per state cert-manager knows ("" before the first), 1 on the current one
        var series = scrape.Named(ChallengeStatus).Where(s => s.Has(("name", challenge), ("namespace", ns))).ToList();
        Assert.Equal(["", "errored", "expired", "invalid", "pending", "processing", "ready", "valid"], series.Select(s => s.Labels["status"]).Order());
        Assert.All(series, s => Assert.Equal(s.Labels["status"] == "valid" ? 1 : 0, s.Value));
        Assert.All(series, s => Assert.True(s.Has(("domain", domain), ("type", "HTTP-01"), ("processing", "false"), ("reason", reason)), s.Series));
        // cluster is CertFleet's label beside cert-manager's: the fixture's silo serves its home cluster, "local"
        Assert.Equal(["cluster", "domain", "name", "namespace", "processing", "reason", "status", "type"], series[0].Labels.Keys.Order());
        Assert.All(series, s => Assert.Equal("local", s.Labels["cluster"]));

        var host = cluster.Pebble.DirectoryUrl.Authority;
        var requests = scrape.Named(Requests).Where(s => s.Has(("scheme", "https"), ("host", host))).ToList();
        foreach (var action in new[] { "discover", "register_account", "authorize_order", "get_authorization", "accept_challenge", "create_order_cert", "fetch_cert" })
            Assert.True(requests.Any(s => s.Has(("action", action)) && s.Labels["status"].StartsWith('2') && s.Value >= 1),
                $"no successful {action} request counted; counted:\n{string.Join("\n", requests.Select(s => $"{s.Series} {s.Value}"))}");
        Assert.All(requests, s => Assert.Contains(s.Labels["action"], CertManagerActions));
        // no cluster here: one ACME account serves every member cluster that uses it
        Assert.Equal(["action", "host", "method", "scheme", "status"], requests[0].Labels.Keys.Order());
        // nonces come from HEAD newNonce, counted under the action that needed one
        Assert.Contains(requests, s => s.Has(("method", "HEAD")));
        Assert.Contains(requests, s => s.Has(("action", "discover"), ("method", "GET"), ("status", "200")));

        Assert.Equal("counter", scrape.Types[Requests]);
        Assert.Equal("summary", scrape.Types[RequestDuration]);
        (string, string)[] discover = [("host", host), ("action", "discover"), ("method", "GET"), ("status", "200")];
        Assert.Equal(["0.5", "0.9", "0.99"], scrape.Named(RequestDuration).Where(s => s.Has(discover)).Select(s => s.Labels["quantile"]).Order());
        Assert.True(scrape.Value(RequestDuration + "_count", discover) >= 1);
        Assert.True(scrape.Value(RequestDuration + "_sum", discover) > 0);
    }
}
