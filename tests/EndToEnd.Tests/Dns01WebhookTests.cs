using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Diagnostics;
using CertFleet.TestSupport;
using Xunit.Abstractions;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// dns01.webhook as cert-manager's webhook authors deploy one: an APIService hands the solver's group to a Service
/// (here an ExternalName Service for the loopback webhook), the silo POSTs ChallengePayloads through the emulator's
/// aggregation layer, and the webhook publishes the TXT records in challtestsrv, where Pebble looks.
/// </summary>
[Collection(AcmeCollection.Name)]
public sealed class Dns01WebhookTests(AcmeFixture cluster, ITestOutputHelper output) : AcmeSteps(cluster)
{
    private readonly Stopwatch _elapsed = Stopwatch.StartNew();

    private void Step(string what) => output.WriteLine($"{_elapsed.Elapsed.TotalSeconds,6:F1} s  {what}");

    private const string Service = "certfleet-test-webhook";
    private const string ServiceNamespace = "cert-manager";
    private const string Config = """{"apiUrl":"https://dns.example/v1","zones":["a",2,true],"nested":{"empty":{}}}""";

    [Fact]
    public async Task AWebhookSolverIssuesThroughTheAggregationLayer_AndItsErrorShowsOnTheChallenge()
    {
        var ns = await cluster.NamespaceAsync();
        var zone = $"{ns}.webhook.test";
        await using var webhook = await Dns01WebhookServer.StartAsync(Service, ServiceNamespace);
        webhook.RecordsChanged = new ChallengeServerTxtRecords(cluster.Pebble.ChallengeServer).PublishAsync;
        // challtestsrv answers SOA with NOTIMP; the solver's nameserver knows the zone and relays the rest to it.
        using var dns = ZoneApexDns.Start(zone, new IPEndPoint(IPAddress.Loopback, cluster.Pebble.ChallengeServer.DnsPort));
        var caBundle = Convert.ToBase64String(Encoding.UTF8.GetBytes(webhook.Certificate.ExportCertificatePem()));
        try
        {
            await IssueAndFailThroughTheWebhookAsync(ns, zone, webhook, dns, caBundle);
        }
        finally
        {
            // kubectl's discovery of the other tests would otherwise meet a group whose webhook is gone.
            await cluster.KubectlAsync("delete", "apiservice", $"{Dns01WebhookServer.Version}.{Dns01WebhookServer.GroupName}", "--ignore-not-found");
        }
    }

    private async Task IssueAndFailThroughTheWebhookAsync(string ns, string zone, Dns01WebhookServer webhook, ZoneApexDns dns, string caBundle)
    {
        await cluster.MustApplyAsync($$"""
            apiVersion: v1
            kind: Service
            metadata: {name: {{Service}}, namespace: {{ServiceNamespace}}}
            spec: {type: ExternalName, externalName: 127.0.0.1}
            ---
            apiVersion: apiregistration.k8s.io/v1
            kind: APIService
            metadata: {name: {{Dns01WebhookServer.Version}}.{{Dns01WebhookServer.GroupName}}}
            spec:
              group: {{Dns01WebhookServer.GroupName}}
              version: {{Dns01WebhookServer.Version}}
              groupPriorityMinimum: 1000
              versionPriority: 15
              caBundle: {{caBundle}}
              service: {name: {{Service}}, namespace: {{ServiceNamespace}}, port: {{webhook.Port}}}
            """);
        // Discovery of the group as kube-aggregator serves it: the group from the APIService, its resources from the webhook.
        Assert.Contains(Dns01WebhookServer.GroupName, await cluster.MustAsync("get", "--raw", "/apis"));
        var resources = await cluster.MustAsync("get", "--raw", $"/apis/{Dns01WebhookServer.GroupName}/{Dns01WebhookServer.Version}");
        Assert.Equal(Dns01WebhookServer.SolverName, JsonNode.Parse(resources)!["resources"]![0]!["name"]!.GetValue<string>());
        Step("APIService registered, discovery proxied");

        var issuer = $"webhook-{ns}";
        await cluster.MustApplyAsync(cluster.ClusterIssuer(issuer) + $$"""

                  - dns01:
                      nameservers: ["{{dns.Nameserver}}"]
                      webhook:
                        groupName: {{Dns01WebhookServer.GroupName}}
                        solverName: {{Dns01WebhookServer.SolverName}}
                        config: {{Config}}
                    selector: {dnsZones: [{{zone}}]}
            """);
        await WaitAsync("clusterissuer", "", issuer, "{.status.conditions[?(@.type==\"Ready\")].status}", "True");
        Step("ClusterIssuer Ready");
        await CertificateAsync(ns, "hooked", issuer, $"www.{zone}");
        await WaitAsync("certificate", ns, "hooked", "{.status.conditions[?(@.type==\"Ready\")].status}", "True");
        Step("Certificate issued through the webhook");
        await AssertChainsToPebbleRootAsync(ns, "hooked-tls", 0, $"www.{zone}");

        var calls = webhook.Requests.Where(r => r.Request["dnsName"]!.GetValue<string>() == $"www.{zone}").ToList();
        Assert.Equal(["Present", "CleanUp"], calls.Select(c => c.Request["action"]!.GetValue<string>()));
        var present = calls[0].Request;
        Assert.Equal($"_acme-challenge.www.{zone}.", present["resolvedFQDN"]!.GetValue<string>());
        Assert.Equal($"{zone}.", present["resolvedZone"]!.GetValue<string>());
        Assert.Equal(ServiceNamespace, present["resourceNamespace"]!.GetValue<string>()); // a ClusterIssuer's
        Assert.True(present["allowAmbientCredentials"]!.GetValue<bool>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Config), present["config"]), present["config"]?.ToJsonString());
        Assert.NotEqual(present["uid"]!.GetValue<string>(), calls[1].Request["uid"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(calls[0].RemoteUser), "the aggregation layer names the caller");
        Assert.Empty(webhook.Violations);

        // A namespaced Issuer whose webhook refuses: its words on the Challenge and in a Warning Event, retried.
        const string refusal = "zone not found in account 1234: check the config's zone";
        await cluster.MustApplyAsync($$"""
            apiVersion: cert-manager.io/v1
            kind: Issuer
            metadata: {name: refused, namespace: {{ns}}}
            spec:
              acme:
                server: {{cluster.Pebble.DirectoryUrl}}
                caBundle: {{Convert.ToBase64String(Encoding.UTF8.GetBytes(cluster.Pebble.ListenerCaPem))}}
                privateKeySecretRef: {name: refused-account-key}
                solvers:
                  - dns01:
                      nameservers: ["{{dns.Nameserver}}"]
                      webhook:
                        groupName: {{Dns01WebhookServer.GroupName}}
                        solverName: {{Dns01WebhookServer.SolverName}}
                        config: {failWith: "{{refusal}}"}
            """);
        await WaitAsync("issuer", ns, "refused", "{.status.conditions[?(@.type==\"Ready\")].status}", "True");
        Step("Issuer Ready");
        await cluster.MustApplyAsync($$"""
            apiVersion: cert-manager.io/v1
            kind: Certificate
            metadata: {name: refused, namespace: {{ns}}}
            spec:
              secretName: refused-tls
              dnsNames: [api.{{zone}}]
              issuerRef: {name: refused}
            """);
        var expected = $"Error presenting challenge: webhook \"{Dns01WebhookServer.GroupName}/{Dns01WebhookServer.SolverName}\": {refusal}";
        var challenge = await WaitForChallengeReasonAsync(ns, $"api.{zone}", expected);
        Step("the webhook's refusal shown on the Challenge");
        var described = await cluster.MustAsync("-n", ns, "describe", "challenge", challenge);
        Assert.Contains("PresentError", described);
        Assert.Contains(refusal, described);
        var refused = webhook.Requests.Where(r => r.Request["dnsName"]!.GetValue<string>() == $"api.{zone}").Select(r => r.Request).ToList();
        Assert.NotEmpty(refused);
        Assert.All(refused, r => Assert.Equal("Present", r["action"]!.GetValue<string>()));
        Assert.Equal(ns, refused[0]["resourceNamespace"]!.GetValue<string>()); // an Issuer's own namespace
        Assert.False(refused[0]["allowAmbientCredentials"]!.GetValue<bool>());
        // Deleting the Certificate takes its Order and Challenge along; nothing was presented, so nothing is cleaned up.
        await cluster.MustAsync("-n", ns, "delete", "certificate", "refused");
        Assert.Empty(webhook.Violations);
    }

    private async Task<string> WaitForChallengeReasonAsync(string ns, string dnsName, string expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            var rows = await cluster.MustAsync("-n", ns, "get", "challenges", "-o",
                "jsonpath={range .items[*]}{.metadata.name}|{.spec.dnsName}|{.status.reason}{\"\\n\"}{end}");
            foreach (var row in rows.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(r => r.Split('|', 3)))
            {
                if (row[1] != dnsName)
                    continue;
                last = row[2];
                if (last == expected)
                    return row[0];
            }
            await Task.Delay(500);
        }
        throw new Xunit.Sdk.XunitException($"the Challenge for {dnsName} never showed \"{expected}\"; last reason: \"{last}\"");
    }
}
