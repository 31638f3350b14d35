using CertFleet.TestSupport;

namespace CertFleet.EndToEnd.Tests;

/// <summary>ACME issuance on Debian's Pebble through kubectl: Issuer, Certificate, CertificateRequest, Order, Challenge.</summary>
[Collection(AcmeCollection.Name)]
public sealed class AcmeTests(AcmeFixture cluster) : AcmeSteps(cluster)
{
    [Fact]
    public async Task Http01IssuesForSeveralNamesAndAnIpAndTheLadderTellsTheStory()
    {
        var ns = await cluster.NamespaceAsync();
        var issuer = $"pebble-{ns}";
        await cluster.ApplyAsync(cluster.ClusterIssuer(issuer));
        await WaitAsync("clusterissuer", "", issuer, "{.status.conditions[?(@.type==\"Ready\")].reason}", "ACMEAccountRegistered");
        Assert.StartsWith("https://127.0.0.1:", await Field("clusterissuer", "", issuer, "{.status.acme.uri}"));
        Assert.NotEmpty(await cluster.MustAsync("-n", "cert-manager", "get", "secret", $"{issuer}-account-key", "-o", "name"));

        await cluster.ApplyAsync($$"""
            apiVersion: cert-manager.io/v1
            kind: Certificate
            metadata: {name: site, namespace: {{ns}}}
            spec:
              secretName: site-tls
              dnsNames: [www.{{ns}}.example, api.{{ns}}.example]
              ipAddresses: [127.0.0.1]
              privateKey: {algorithm: ECDSA, size: 256}
              issuerRef: {name: {{issuer}}, kind: ClusterIssuer}
            """);
        await WaitAsync("certificate", ns, "site", "{.status.conditions[?(@.type==\"Ready\")].status}", "True");
        await AssertChainsToPebbleRootAsync(ns, "site-tls", 0, $"www.{ns}.example", $"api.{ns}.example", "127.0.0.1");

        // Certificate → CertificateRequest → Order → Challenges, as kubectl shows them
        var request = await cluster.MustAsync("-n", ns, "describe", "certificaterequest", "site-1");
        Assert.Contains("OrderCreated", request);
        Assert.Contains("Certificate fetched from issuer successfully", request);
        var orders = (await cluster.MustAsync("-n", ns, "get", "orders", "-o", "jsonpath={range .items[*]}{.metadata.name} {.status.state}{\"\\n\"}{end}"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var order = Assert.Single(orders);
        Assert.Matches(@"^site-1-\d+ valid$", order);
        var orderName = order.Split(' ')[0];
        var orderDescription = await cluster.MustAsync("-n", ns, "describe", "order", orderName);
        Assert.Contains("Order completed successfully", orderDescription);
        Assert.Contains("Created Challenge resource", orderDescription);
        var challenges = (await cluster.MustAsync("-n", ns, "get", "challenges", "-o",
            "jsonpath={range .items[*]}{.spec.dnsName} {.status.state} {.status.reason}{\"\\n\"}{end}")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, challenges.Length);
        Assert.All(challenges, c => Assert.EndsWith(" valid Successfully authorized domain", c));
        var challengeName = (await cluster.MustAsync("-n", ns, "get", "challenges", "-o", "jsonpath={.items[0].metadata.name}")).Trim();
        var challengeDescription = await cluster.MustAsync("-n", ns, "describe", "challenge", challengeName);
        foreach (var reason in new[] { "Started", "Presented", "DomainVerified" })
            Assert.Contains(reason, challengeDescription);
        Assert.Equal("", await Field("challenge", ns, challengeName, "{.metadata.finalizers}"));
        // the temporary solver Ingresses are gone once the challenges are done
        Assert.Equal("", (await cluster.MustAsync("-n", ns, "get", "ingress", "-l", "acme.cert-manager.io/http01-solver=true", "-o", "name")).Trim());
    }

    [Fact]
    public async Task Http01ThroughAGatewayHttpRouteSolverIssues_AndTheSolverRoutesAreRemoved()
    {
        var ns = await cluster.NamespaceAsync();
        var issuer = $"pebble-routes-{ns}";
        var routed = cluster.ClusterIssuer(issuer).Replace("ingress:\n            class: nginx",
            "gatewayHTTPRoute:\n            parentRefs: [{name: shared-gateway, namespace: gateways, kind: Gateway}]", StringComparison.Ordinal);
        Assert.Contains("gatewayHTTPRoute", routed);
        await cluster.MustApplyAsync(routed);
        await WaitAsync("clusterissuer", "", issuer, "{.status.conditions[?(@.type==\"Ready\")].status}", "True");

        await CertificateAsync(ns, "routed", issuer, $"routed.{ns}.example");
        await WaitAsync("certificate", ns, "routed", "{.status.conditions[?(@.type==\"Ready\")].status}", "True");
        await AssertChainsToPebbleRootAsync(ns, "routed-tls", 0, $"routed.{ns}.example");
        // the challenge's HTTPRoute went with it
        await Processes.Eventually(() => cluster.MustAsync("-n", ns, "get", "httproutes.gateway.networking.k8s.io", "-o", "name"),
            routes => routes.Trim().Length == 0, $"the solver HTTPRoutes in {ns} to be removed");
    }

    [Fact]
    public async Task TheGuidesLetsEncryptClusterIssuerIssuesWhenPointedAtPebble()
    {
        await ApplySeedPointedAtPebbleAsync("01-clusterissuer-letsencrypt-prod.yaml");
        await WaitAsync("clusterissuer", "", "letsencrypt-prod", "{.status.conditions[?(@.type==\"Ready\")].status}", "True");

        var ns = await cluster.NamespaceAsync();
        await cluster.ApplyAsync($$"""
            apiVersion: cert-manager.io/v1
            kind: Certificate
            metadata: {name: guide, namespace: {{ns}}}
            spec:
              secretName: guide-tls
              dnsNames: [example.{{ns}}.sumguy.com]
              issuerRef: {name: letsencrypt-prod, kind: ClusterIssuer}
            """);
        await WaitAsync("certificate", ns, "guide", "{.status.conditions[?(@.type==\"Ready\")].status}", "True");
        await AssertChainsToPebbleRootAsync(ns, "guide-tls", 0, $"example.{ns}.sumguy.com");
    }

    [Fact]
    public async Task AnOrderTheCaRefusesFailsWithTheCasWordsAndBacksOff()
    {
        var (ns, issuer) = await NamespaceWithReadyIssuerAsync();
        await CertificateAsync(ns, "refused", issuer, AcmeFixture.BlockedName);

        await WaitAsync("certificate", ns, "refused", "{.status.conditions[?(@.type==\"Issuing\")].status}", "False");
        var message = await Field("certificate", ns, "refused", "{.status.conditions[?(@.type==\"Issuing\")].message}");
        Assert.StartsWith("The certificate request has failed to complete and will be retried: Failed to wait for order resource", message);
        Assert.Contains("rejectedIdentifier", message);
        Assert.Contains(AcmeFixture.BlockedName, message);
        Assert.Equal("1", await Field("certificate", ns, "refused", "{.status.failedIssuanceAttempts}"));
        Assert.NotEmpty(await Field("certificate", ns, "refused", "{.status.lastFailureTime}"));
        var order = (await cluster.MustAsync("-n", ns, "get", "orders", "-o", "jsonpath={.items[*].status.state}")).Trim();
        Assert.Equal("errored", order);
        Assert.Equal("Failed", await Field("certificaterequest", ns, "refused-1", "{.status.conditions[?(@.type==\"Ready\")].reason}"));
        Assert.Equal("Failed", await Field("certificate", ns, "refused", "{.status.conditions[?(@.type==\"Issuing\")].reason}"));
        Assert.Contains("OrderFailed", await cluster.MustAsync("-n", ns, "describe", "certificaterequest", "refused-1"));
        // backing off (1h after the first failure): the controller does not go back to the CA on its own
        var wide = await cluster.MustAsync("-n", ns, "get", "certificate", "refused", "-o", "wide");
        Assert.Contains("refused-tls", wide);
        Assert.Equal("certificaterequest.cert-manager.io/refused-1", (await cluster.MustAsync("-n", ns, "get", "certificaterequests", "-o", "name")).Trim());
    }

    [Fact]
    public async Task AnUnreachableAcmeServerLeavesTheIssuerNotReadyWithTheReason()
    {
        var name = $"nowhere-{Guid.NewGuid():N}"[..16];
        await cluster.ApplyAsync($$"""
            apiVersion: cert-manager.io/v1
            kind: ClusterIssuer
            metadata:
              name: {{name}}
            spec:
              acme:
                server: https://127.0.0.1:1/directory
                privateKeySecretRef:
                  name: {{name}}-key
                solvers:
                  - http01:
                      ingress:
                        class: nginx
            """);
        await WaitAsync("clusterissuer", "", name, "{.status.conditions[?(@.type==\"Ready\")].reason}", "ErrRegisterACMEAccount");
        Assert.StartsWith("Failed to register ACME account:", await Field("clusterissuer", "", name, "{.status.conditions[?(@.type==\"Ready\")].message}"));
    }

    [Fact]
    public async Task TheResponderAnswersUnknownTokensWith404()
    {
        using var http = new HttpClient();
        var unknown = await http.GetAsync($"http://127.0.0.1:{cluster.SolverPort}/.well-known/acme-challenge/no-such-token");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, unknown.StatusCode);
        var malformed = await http.GetAsync($"http://127.0.0.1:{cluster.SolverPort}/.well-known/acme-challenge/not%20a%20token");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, malformed.StatusCode);
    }

    [Fact]
    public async Task AWildcardWithoutADns01SolverIsRefusedBeforeAnythingIsOrdered()
    {
        var (ns, issuer) = await NamespaceWithReadyIssuerAsync();
        await CertificateAsync(ns, "wild", issuer, $"\"*.{ns}.example\"");

        await WaitAsync("certificate", ns, "wild", "{.status.conditions[?(@.type==\"Issuing\")].status}", "False");
        var message = await Field("certificate", ns, "wild", "{.status.conditions[?(@.type==\"Issuing\")].message}");
        Assert.Contains($"\"*.{ns}.example\"", message);
        Assert.Contains("wildcard names need a dns01 solver; nothing was ordered", message);
        var order = await cluster.MustAsync("-n", ns, "get", "orders", "-o", "jsonpath={.items[0].status.state}|{.items[0].status.url}");
        Assert.Equal("errored|", order.Trim());
        Assert.Contains("Solver", await cluster.MustAsync("-n", ns, "describe", "orders"));
    }

    [Fact]
    public async Task CaaThatForbidsIssuanceIsReportedAndNothingIsOrdered()
    {
        var (ns, issuer) = await NamespaceWithReadyIssuerAsync();
        // the parent's record applies to the name below it (the closest CAA record set wins)
        await cluster.Pebble.ChallengeServer.AddCaaAsync($"{ns}.example.", [("issue", ";")]);
        await CertificateAsync(ns, "forbidden", issuer, $"shop.{ns}.example");

        await WaitAsync("certificate", ns, "forbidden", "{.status.conditions[?(@.type==\"Issuing\")].status}", "False");
        var message = await Field("certificate", ns, "forbidden", "{.status.conditions[?(@.type==\"Issuing\")].message}");
        Assert.Contains($"CAA for \"shop.{ns}.example\"", message);
        Assert.Contains($"{ns}.example CAA 0 issue \";\"", message);
        Assert.Contains("nothing was ordered", message);
        Assert.Equal("errored|", (await cluster.MustAsync("-n", ns, "get", "orders", "-o", "jsonpath={.items[0].status.state}|{.items[0].status.url}")).Trim());
        Assert.Contains("CAA", await cluster.MustAsync("-n", ns, "describe", "orders"));
    }

    [Fact]
    public async Task TheGuidesWildcardAndApexIssueThroughItsCloudflareSolver()
    {
        // seed 01: one issuer with HTTP-01 and Cloudflare DNS-01 solvers; its token Secret as the guide's user would make it
        await ApplySeedPointedAtPebbleAsync("01-clusterissuer-letsencrypt-prod.yaml");
        await cluster.ApplyAsync($$"""
            apiVersion: v1
            kind: Secret
            metadata: {name: cloudflare-token, namespace: cert-manager}
            stringData: {api-token: {{AcmeFixture.CloudflareToken}}}
            """);
        var zoneId = cluster.Cloudflare.AddZone("sumguy.com");
        await WaitAsync("clusterissuer", "", "letsencrypt-prod", "{.status.conditions[?(@.type==\"Ready\")].status}", "True");

        // seed 02: *.sumguy.com and sumguy.com with dnsPolicy dns01, so both names go through Cloudflare
        var seed = Path.Combine(RepositoryCheckout.Seeds, "02-certificate-wildcard.yaml");
        var applied = await cluster.KubectlAsync("apply", "-f", seed);
        Assert.True(applied.ExitCode == 0, applied.Error);
        await WaitAsync("certificate", "default", "sumguy-wildcard", "{.status.conditions[?(@.type==\"Ready\")].status}", "True");
        await AssertChainsToPebbleRootAsync("default", "sumguy-wildcard-tls", 0, "*.sumguy.com", "sumguy.com");

        var challenges = (await cluster.MustAsync("-n", "default", "get", "challenges", "-o",
            "jsonpath={range .items[*]}{.spec.type} {.spec.dnsName} {.spec.wildcard} {.status.state}{\"\\n\"}{end}")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["DNS-01 sumguy.com false valid", "DNS-01 sumguy.com true valid"], challenges.Order());
        // both values were on one name at once, and clean-up removed exactly ours (the fake is shared: look at this zone only)
        var requests = cluster.Cloudflare.Requests.Where(r => r.Contains(zoneId, StringComparison.Ordinal)).ToList();
        Assert.Equal(2, requests.Count(r => r.StartsWith("POST ", StringComparison.Ordinal)));
        Assert.Equal(2, requests.Count(r => r.StartsWith("DELETE ", StringComparison.Ordinal)));
        Assert.DoesNotContain(cluster.Cloudflare.Records, r => r.ZoneId == zoneId);
        Assert.Empty(cluster.Cloudflare.Violations);
    }

    [Fact]
    public async Task ACaaLookupThatFailsIsAnErrorNotPermission()
    {
        var (ns, issuer) = await NamespaceWithReadyIssuerAsync();
        await cluster.Pebble.ChallengeServer.SetServfailAsync($"broken.{ns}.example");
        await CertificateAsync(ns, "servfail", issuer, $"broken.{ns}.example");

        await WaitAsync("certificate", ns, "servfail", "{.status.conditions[?(@.type==\"Issuing\")].status}", "False");
        var message = await Field("certificate", ns, "servfail", "{.status.conditions[?(@.type==\"Issuing\")].message}");
        Assert.True(message.Contains($"CAA lookup for broken.{ns}.example failed with SERVFAIL; the CA would refuse to issue", StringComparison.Ordinal), message);
        Assert.Equal("errored|", (await cluster.MustAsync("-n", ns, "get", "orders", "-o", "jsonpath={.items[0].status.state}|{.items[0].status.url}")).Trim());
    }

    [Fact]
    public async Task ADnsProviderErrorIsShownOnTheChallengeAndRetried()
    {
        await ApplySeedPointedAtPebbleAsync("01-clusterissuer-letsencrypt-prod.yaml");
        await cluster.ApplyAsync($$"""
            apiVersion: v1
            kind: Secret
            metadata: {name: cloudflare-token, namespace: cert-manager}
            stringData: {api-token: {{AcmeFixture.CloudflareToken}}}
            """);
        await WaitAsync("clusterissuer", "", "letsencrypt-prod", "{.status.conditions[?(@.type==\"Ready\")].status}", "True");
        var ns = await cluster.NamespaceAsync();
        var zone = $"{ns}.sumguy.dev";
        cluster.Cloudflare.AddZone(zone);
        cluster.Cloudflare.FailNextCreates(2, 500, 1000, "Internal Server Error");
        await CertificateAsync(ns, "flaky", "letsencrypt-prod", $"www.{zone}", "\n  dnsPolicy: dns01");

        await WaitAsync("certificate", ns, "flaky", "{.status.conditions[?(@.type==\"Ready\")].status}", "True", seconds: 120);
        var challenge = (await cluster.MustAsync("-n", ns, "get", "challenges", "-o", "jsonpath={.items[0].metadata.name}")).Trim();
        var described = await cluster.MustAsync("-n", ns, "describe", "challenge", challenge);
        Assert.Contains("PresentError", described);
        Assert.Contains("Error presenting challenge:", described);
        Assert.Contains("Internal Server Error", described);
        Assert.Contains("DomainVerified", described);
    }

    [Fact]
    public async Task AnAccountTheCaForgotIsRegisteredAgainAndIssuanceGoesOn()
    {
        var (ns, issuer) = await NamespaceWithReadyIssuerAsync();
        var before = await Field("clusterissuer", "", issuer, "{.status.acme.uri}");
        // Pebble keeps everything in memory: after a restart it answers the old account with accountDoesNotExist.
        await cluster.Pebble.RestartPebbleAsync();
        await CertificateAsync(ns, "after-reset", issuer, $"reset.{ns}.example");

        await WaitAsync("certificate", ns, "after-reset", "{.status.conditions[?(@.type==\"Ready\")].status}", "True");
        await AssertChainsToPebbleRootAsync(ns, "after-reset-tls", 0, $"reset.{ns}.example");
        Assert.Equal("ACMEAccountRegistered", await Field("clusterissuer", "", issuer, "{.status.conditions[?(@.type==\"Ready\")].reason}"));
        Assert.StartsWith("https://127.0.0.1:", await Field("clusterissuer", "", issuer, "{.status.acme.uri}"));
        Assert.NotEmpty(before);
    }
}
