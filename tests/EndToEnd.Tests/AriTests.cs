using System.Globalization;
using System.Text.Json;
using CertFleet.Providers.Acme;
using CertFleet.TestSupport;

namespace CertFleet.EndToEnd.Tests;

/// <summary>ARI (RFC 9773) and ACME profiles end to end, through responders in front of Debian's Pebble 2.4.</summary>
[Collection(AriCollection.Name)]
public sealed class AriTests(AriFixture cluster) : AcmeSteps(cluster)
{
    private const string Ready = "{.status.conditions[?(@.type==\"Ready\")].status}";

    [Fact]
    public async Task An_issued_certificate_renews_inside_the_served_window_and_its_order_named_the_profile()
    {
        var (ns, issuer) = await IssuerAsync(cluster.Ari, "profile: shortlived");
        var names = $"ari.{ns}.example";
        await CertificateAsync(ns, "site", issuer, names);
        await WaitAsync("certificate", ns, "site", Ready, "True");

        var certId = await CertIdAsync(ns, "site-tls");
        // the silo fetched the window for this very certificate
        Assert.Contains(certId, cluster.Ari.RenewalInfoRequests);
        var renewalTime = await WaitForTimeAsync(ns, "site", "{.status.renewalTime}", t => t >= cluster.DefaultWindowStart);
        Assert.InRange(renewalTime, cluster.DefaultWindowStart, cluster.DefaultWindowEnd);
        Assert.Equal(cluster.DefaultWindowStart, Time(await Field("certificate", ns, "site", "{.status.acme.ari.suggestedWindow.start}")));
        Assert.Equal(cluster.DefaultWindowEnd, Time(await Field("certificate", ns, "site", "{.status.acme.ari.suggestedWindow.end}")));
        Assert.EndsWith($"/why/{certId}", await Field("certificate", ns, "site", "{.status.acme.ari.explanationURL}"));

        var order = Assert.Single(OrdersFor(cluster.Ari, names));
        Assert.Equal("shortlived", order.GetProperty("profile").GetString());
        Assert.False(order.TryGetProperty("replaces", out _), "a first issuance replaces nothing");
    }

    [Fact]
    public async Task A_window_moved_earlier_renews_at_once_with_replaces_naming_the_old_certificate()
    {
        var (ns, issuer) = await IssuerAsync(cluster.Ari);
        var names = $"moved.{ns}.example";
        await CertificateAsync(ns, "site", issuer, names);
        await WaitAsync("certificate", ns, "site", Ready, "True");
        var oldCertId = await CertIdAsync(ns, "site-tls");
        await WaitForTimeAsync(ns, "site", "{.status.renewalTime}", t => t >= cluster.DefaultWindowStart);

        // as after a revocation: the CA now wants this certificate replaced right away
        cluster.Ari.SetWindow(oldCertId, DateTimeOffset.UtcNow.AddHours(-2), DateTimeOffset.UtcNow.AddMinutes(-1));

        await WaitAsync("certificate", ns, "site", "{.status.revision}", "2", seconds: 90);
        await WaitAsync("certificate", ns, "site", Ready, "True");
        Assert.NotEqual(oldCertId, await CertIdAsync(ns, "site-tls"));
        var orders = OrdersFor(cluster.Ari, names);
        Assert.Equal(2, orders.Count);
        Assert.False(orders[0].TryGetProperty("replaces", out _));
        Assert.Equal(oldCertId, orders[1].GetProperty("replaces").GetString());
        // the new certificate got the default window again, so it is not renewed over and over
        await WaitForTimeAsync(ns, "site", "{.status.renewalTime}", t => t >= cluster.DefaultWindowStart);
    }

    [Fact]
    public async Task A_refused_replaces_is_ordered_again_without_it()
    {
        var (ns, issuer) = await IssuerAsync(cluster.Ari);
        var names = $"refused.{ns}.example";
        await CertificateAsync(ns, "site", issuer, names);
        await WaitAsync("certificate", ns, "site", Ready, "True");
        var oldCertId = await CertIdAsync(ns, "site-tls");
        await WaitForTimeAsync(ns, "site", "{.status.renewalTime}", t => t >= cluster.DefaultWindowStart);

        cluster.Ari.RefuseNextReplaces();
        cluster.Ari.SetWindow(oldCertId, DateTimeOffset.UtcNow.AddHours(-2), DateTimeOffset.UtcNow.AddMinutes(-1));

        await WaitAsync("certificate", ns, "site", "{.status.revision}", "2", seconds: 90);
        await WaitAsync("certificate", ns, "site", Ready, "True");
        var orders = OrdersFor(cluster.Ari, names);
        Assert.Equal(3, orders.Count); // first issuance, the refused renewal, the renewal without replaces
        Assert.Equal(oldCertId, orders[1].GetProperty("replaces").GetString());
        Assert.False(orders[2].TryGetProperty("replaces", out _));
        var orderNames = (await cluster.MustAsync("-n", ns, "get", "orders", "-o", "jsonpath={.items[*].metadata.name}")).Split(' ');
        var descriptions = string.Concat(await Task.WhenAll(orderNames.Select(o => cluster.MustAsync("-n", ns, "describe", "order", o))));
        Assert.Contains("ReplacesRefused", descriptions);
    }

    [Fact]
    public async Task Without_ARI_or_profiles_in_the_directory_neither_is_sent_and_the_local_rule_applies()
    {
        var (ns, issuer) = await IssuerAsync(cluster.Plain, "profile: shortlived");
        var names = $"plain.{ns}.example";
        await CertificateAsync(ns, "site", issuer, names);
        await WaitAsync("certificate", ns, "site", Ready, "True");

        var order = Assert.Single(OrdersFor(cluster.Plain, names));
        Assert.False(order.TryGetProperty("profile", out _), "profile sent to a server that advertises none");
        Assert.False(order.TryGetProperty("replaces", out _));
        Assert.Empty(cluster.Plain.RenewalInfoRequests);
        Assert.Equal("", await Field("certificate", ns, "site", "{.status.acme}"));
        // cert-manager's rule: two thirds into the certificate's lifetime
        var notBefore = Time(await Field("certificate", ns, "site", "{.status.notBefore}"));
        var notAfter = Time(await Field("certificate", ns, "site", "{.status.notAfter}"));
        var renewalTime = Time(await Field("certificate", ns, "site", "{.status.renewalTime}"));
        Assert.InRange(renewalTime, notAfter - (notAfter - notBefore) / 3 - TimeSpan.FromSeconds(1), notAfter - (notAfter - notBefore) / 3);
    }

    [Fact]
    public async Task A_profile_the_server_does_not_offer_is_a_named_condition_and_nothing_is_ordered()
    {
        var ns = await cluster.NamespaceAsync();
        var issuer = $"ari-{ns}";
        await cluster.ApplyAsync(cluster.ClusterIssuerVia(cluster.Ari, issuer, "profile: tlsclient"));
        await WaitAsync("clusterissuer", "", issuer, "{.status.conditions[?(@.type==\"Ready\")].reason}", "InvalidProfile");
        var issuerMessage = await Field("clusterissuer", "", issuer, "{.status.conditions[?(@.type==\"Ready\")].message}");
        Assert.Contains("\"tlsclient\"", issuerMessage);
        Assert.Contains("\"classic\"", issuerMessage);
        Assert.Contains("\"shortlived\"", issuerMessage);

        var names = $"unknown.{ns}.example";
        await CertificateAsync(ns, "site", issuer, names);
        await WaitAsync("certificate", ns, "site", "{.status.conditions[?(@.type==\"Ready\")].reason}", "IssuerNotReady");
        Assert.Contains("\"tlsclient\"", await Field("certificate", ns, "site", "{.status.conditions[?(@.type==\"Ready\")].message}"));
        Assert.Empty(OrdersFor(cluster.Ari, names));
    }

    private async Task<(string Ns, string Issuer)> IssuerAsync(AriResponder responder, params string[] acmeFields)
    {
        var ns = await cluster.NamespaceAsync();
        var issuer = $"ari-{ns}";
        await cluster.ApplyAsync(cluster.ClusterIssuerVia(responder, issuer, acmeFields));
        await WaitAsync("clusterissuer", "", issuer, "{.status.conditions[?(@.type==\"Ready\")].status}", "True");
        return (ns, issuer);
    }

    private async Task<string> CertIdAsync(string ns, string secret) => AcmeCertId.From((await ChainAsync(ns, secret))[0]);

    private static List<JsonElement> OrdersFor(AriResponder responder, string name) =>
        [.. responder.NewOrders.Where(o => o.GetProperty("identifiers").EnumerateArray().Any(i => i.GetProperty("value").GetString() == name))];

    private Task<DateTimeOffset> WaitForTimeAsync(string ns, string name, string jsonPath, Func<DateTimeOffset, bool> done) =>
        Processes.Eventually(async () => Time(await Field("certificate", ns, name, jsonPath)), done, $"certificate {ns}/{name} {jsonPath}", 60);

    private static DateTimeOffset Time(string value) =>
        value.Length == 0 ? DateTimeOffset.MinValue : DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}
