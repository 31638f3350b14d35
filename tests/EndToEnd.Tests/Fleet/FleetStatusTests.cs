using System.Text.Json;
using CertFleet.TestSupport;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace CertFleet.EndToEnd.Tests.Fleet;

/// <summary>
/// The fleet view across the shared fleet (home + two members, two silos): `kubectl certfleet fleet status` and
/// `fleet certificates --expiring 30d` read through either silo's dashboard port, a member whose API server stops
/// answering, and the /fleet page in headless Chromium.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class FleetStatusTests(FleetFixture fleet, ITestOutputHelper output)
{
    private static string DashboardRoot(ClusterSilo silo) => $"http://127.0.0.1:{silo.DashboardPort}";

    private Task<(int ExitCode, string Output, string Error)> FleetAsync(ClusterSilo silo, params string[] args) =>
        KubectlPlugin.RunAsync(fleet.KubectlEnvironment, ["fleet", .. args, "--url", DashboardRoot(silo), "--token-file", fleet.DashboardTokenFile]);

    private async Task<JsonElement> FleetJsonAsync(ClusterSilo silo, params string[] args)
    {
        var (code, stdout, stderr) = await FleetAsync(silo, [.. args, "-o", "json"]);
        Assert.True(code == 0, $"fleet {string.Join(' ', args)} via {silo.Identity}: exit {code}: {stderr}");
        using var document = JsonDocument.Parse(stdout);
        return document.RootElement.Clone();
    }

    private static JsonElement Member(JsonElement status, string name) =>
        Assert.Single(status.GetProperty("members").EnumerateArray(), member => member.GetProperty("name").GetString() == name);

    /// <summary>A cluster's Certificates as its API server has them: all, and those Ready.</summary>
    private static (int Total, int Ready) Count(string certificatesJson)
    {
        using var list = JsonDocument.Parse(certificatesJson);
        var items = list.RootElement.GetProperty("items").EnumerateArray().ToList();
        return (items.Count, items.Count(item => item.TryGetProperty("status", out var status) && status.TryGetProperty("conditions", out var conditions)
            && conditions.EnumerateArray().Any(c => c.GetProperty("type").GetString() == "Ready" && c.GetProperty("status").GetString() == "True")));
    }

    private async Task<string> LeaseHolderAsync(string cluster) => (await fleet.MustAsync("-n", FleetFixture.SecretNamespace, "get", "lease",
        cluster == FleetFixture.HomeName ? SiloClusterFixture.LeaseName : $"{SiloClusterFixture.LeaseName}-member-{cluster}",
        "-o", "jsonpath={.spec.holderIdentity}")).Trim();

    /// <summary>In each member: a self-signed ClusterIssuer, a Certificate of 20 days ("short") and one of 90 ("long"), both Ready.</summary>
    private static async Task<string> IssueInAsync(MemberEmulator member)
    {
        var ns = await member.NamespaceAsync();
        var issuer = $"selfsigned-{ns}";
        await member.MustApplyAsync(Manifests.SelfSignedClusterIssuer(issuer));
        await member.MustApplyAsync(Manifests.Certificate(ns, "short", issuer, "duration: 480h\nrenewBefore: 120h", issuerKind: "ClusterIssuer"));
        await member.MustApplyAsync(Manifests.Certificate(ns, "long", issuer, issuerKind: "ClusterIssuer"));
        foreach (var name in new[] { "short", "long" })
            await FleetFixture.WaitForConditionAsync(member, ns, $"certificate/{name}", "Ready", 90);
        return ns;
    }

    [Fact]
    public async Task FleetStatusShowsEveryMemberWithItsCountsAndWatchingSilo_CertificatesListsBoth_AndAnUnreachableMemberSaysSince()
    {
        var members = FleetFixture.MemberNames.Select(fleet.Member).ToList();
        var namespaces = await Task.WhenAll(members.Select(IssueInAsync));

        // Either silo answers for the whole fleet; counts match what each member's API server holds.
        foreach (var silo in fleet.Silos)
        {
            var (status, _) = await Processes.Eventually(async () =>
            {
                var expected = new Dictionary<string, (int Total, int Ready)>();
                foreach (var member in members)
                    expected[member.Name] = Count(await member.MustAsync("get", "certificates", "-A", "-o", "json"));
                return (Status: await FleetJsonAsync(silo, "status"), Expected: expected);
            }, shown => members.All(member => Member(shown.Status, member.Name).GetProperty("certificates") is { ValueKind: JsonValueKind.Object } counts
                && (counts.GetProperty("total").GetInt32(), counts.GetProperty("ready").GetInt32()) == shown.Expected[member.Name]),
                $"fleet status via {silo.Identity} to count both members' Certificates (silo logs: {fleet.Logs})", 60);
            Assert.Equal("home", Member(status, FleetFixture.HomeName).GetProperty("source").GetString());
            foreach (var member in members)
            {
                var shown = Member(status, member.Name);
                Assert.Equal("secret", shown.GetProperty("source").GetString());
                Assert.Equal("shared", shown.GetProperty("labels").GetProperty("fleet-test").GetString());
                Assert.True(shown.GetProperty("reachable").GetBoolean());
                Assert.Equal(await LeaseHolderAsync(member.Name), shown.GetProperty("watchingSilo").GetString());
                Assert.Equal(0, shown.GetProperty("certificates").GetProperty("failing").GetInt32());
            }
        }

        var text = await FleetAsync(fleet.Silos[0], "status");
        Assert.True(text.ExitCode == 0, text.Error);
        output.WriteLine(text.Output);
        foreach (var member in members)
            Assert.Matches($@"(?m)^{member.Name}\s+secret\s+yes\s+{await LeaseHolderAsync(member.Name)}\s+\d+", text.Output);

        // Certificates expiring within 30 days: each member's short one, not its long one.
        var within30 = await FleetJsonAsync(fleet.Silos[1], "certificates", "--expiring", "30d");
        var listed = within30.GetProperty("certificates").EnumerateArray()
            .Select(c => $"{c.GetProperty("cluster").GetString()}/{c.GetProperty("namespace").GetString()}/{c.GetProperty("name").GetString()}").ToHashSet();
        for (var i = 0; i < members.Count; i++)
        {
            Assert.Contains($"{members[i].Name}/{namespaces[i]}/short", listed);
            Assert.DoesNotContain($"{members[i].Name}/{namespaces[i]}/long", listed);
        }

        // A FleetCertificate placed in both members: the page lists its copies from its status.
        var fleetName = $"view-{Guid.NewGuid():N}"[..13];
        var copyNamespace = namespaces[0];
        foreach (var member in members.Skip(1))
            await member.MustAsync("create", "namespace", copyNamespace);
        await fleet.MustApplyAsync(Manifests.SelfSignedClusterIssuer($"selfsigned-{fleetName}"));
        await fleet.MustApplyAsync($$"""
            apiVersion: certfleet.io/v1alpha1
            kind: FleetCertificate
            metadata: {name: {{fleetName}}}
            spec:
              certificate:
                secretName: {{fleetName}}-tls
                dnsNames: [{{fleetName}}.fleet.example]
                issuerRef: {name: selfsigned-{{fleetName}}, kind: ClusterIssuer}
              placement:
                clusters: [{{string.Join(", ", FleetFixture.MemberNames)}}]
                namespaces: [{{copyNamespace}}]
            """);
        await Processes.Eventually(() => fleet.MustAsync("get", "fleetcertificate", fleetName, "-o", "jsonpath={.status.copiesCurrent}"),
            c => c == "2/2", $"FleetCertificate {fleetName}: 2 of 2 copies (silo logs: {fleet.Logs})", 120);

        var screenshot = await PageScreenshotAsync(fleet.Silos[1], members.Select(m => m.Name).ToList(), fleetName, copyNamespace);
        output.WriteLine($"fleet page screenshot: {screenshot}");
        Console.WriteLine($"fleet page screenshot: {screenshot}");

        // One member's API server stops answering: it shows unreachable since then; the other stays reachable.
        var (down, up) = (members[1], members[0]);
        var cut = DateTimeOffset.UtcNow;
        await down.Admin.FaultAsync("""{"kind":"unreachable","seconds":60}""");
        try
        {
            var status = await Processes.Eventually(() => FleetJsonAsync(fleet.Silos[0], "status"),
                status => Member(status, down.Name).GetProperty("reachable").ValueKind == JsonValueKind.False,
                $"fleet status to show {down.Name} unreachable (silo logs: {fleet.Logs})", 45);
            var since = Member(status, down.Name).GetProperty("unreachableSince").GetDateTimeOffset();
            Assert.InRange(since, cut.AddSeconds(-1), DateTimeOffset.UtcNow);
            Assert.True(Member(status, up.Name).GetProperty("reachable").GetBoolean());
            // Still watched, by the silo holding its Lease in the home cluster.
            Assert.Equal(await LeaseHolderAsync(down.Name), Member(status, down.Name).GetProperty("watchingSilo").GetString());
            var downText = await FleetAsync(fleet.Silos[1], "status");
            Assert.Matches($@"(?m)^{down.Name}\s+secret\s+no, unreachable since {since.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}", downText.Output);
            output.WriteLine(downText.Output);
        }
        finally
        {
            await down.Admin.ClearFaultsAsync();
        }
        await Processes.Eventually(() => FleetJsonAsync(fleet.Silos[0], "status"),
            status => Member(status, down.Name).GetProperty("reachable").ValueKind == JsonValueKind.True,
            $"{down.Name} reachable again (silo logs: {fleet.Logs})", 60);
    }

    /// <summary>Opens /fleet with the dashboard's token, waits for a row per member and the FleetCertificate's copies, and keeps a screenshot.</summary>
    private async Task<string> PageScreenshotAsync(ClusterSilo silo, IReadOnlyList<string> memberNames, string fleetName, string copyNamespace)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            // Debian's chromium; Playwright's own browsers are never downloaded.
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
        var token = (await File.ReadAllTextAsync(fleet.DashboardTokenFile)).Trim();
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ExtraHTTPHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" },
            ViewportSize = new ViewportSize { Width = 1500, Height = 900 },
        });
        var page = await context.NewPageAsync();
        var answer = await page.GotoAsync($"{DashboardRoot(silo)}/fleet");
        Assert.Equal(200, answer!.Status);

        // A row per member the fleet has now: other tests of the collection may have left members of their own.
        var registered = (await FleetJsonAsync(silo, "status")).GetProperty("members").GetArrayLength();
        Assert.True(registered >= memberNames.Count + 1, $"{registered} members in the fleet status");
        var rows = page.Locator("#members tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(registered, new LocatorAssertionsToHaveCountOptions { Timeout = 30_000 });
        await Assertions.Expect(rows.First.Locator("td").First).ToHaveTextAsync(FleetFixture.HomeName);
        foreach (var name in memberNames)
        {
            var row = rows.Filter(new LocatorFilterOptions
            {
                Has = page.Locator("td:first-child", new PageLocatorOptions { HasTextRegex = new System.Text.RegularExpressions.Regex($"^{name}$") }),
            });
            var cells = row.Locator("td");
            await Assertions.Expect(cells.Nth(1)).ToHaveTextAsync("secret");
            await Assertions.Expect(cells.Nth(3)).ToHaveTextAsync("yes");
            await Assertions.Expect(cells.Nth(4)).ToHaveTextAsync(await LeaseHolderAsync(name));
        }
        await Assertions.Expect(page.Locator("#certificates tbody")).ToContainTextAsync(memberNames[0], new LocatorAssertionsToContainTextOptions { Timeout = 30_000 });

        var copies = page.Locator("#fleetcertificates tbody");
        await Assertions.Expect(copies).ToContainTextAsync(fleetName, new LocatorAssertionsToContainTextOptions { Timeout = 30_000 });
        foreach (var name in memberNames)
            await Assertions.Expect(copies).ToContainTextAsync($"{name}/{copyNamespace}");
        await Assertions.Expect(copies).ToContainTextAsync("2/2");

        var path = Path.Combine(AppContext.BaseDirectory, "artifacts", "fleet-page-members.png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Assert.True(new FileInfo(path).Length > 10_000, $"the screenshot {path} is nearly empty");
        return path;
    }
}
