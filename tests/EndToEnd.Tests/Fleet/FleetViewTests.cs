using System.Text.Json;
using CertFleet.TestSupport;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace CertFleet.EndToEnd.Tests.Fleet;

/// <summary>
/// The fleet view of a running silo (the dashboard fixture: one silo, the home cluster as the only member), read as a
/// user would: `kubectl certfleet fleet ...` through the plugin with the dashboard's token file, and the /fleet page in
/// headless Chromium with the dashboard's basic credentials.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class FleetViewTests(DashboardFixture cluster, ITestOutputHelper output)
{
    private const string Home = "local";
    private string DashboardRoot => $"http://127.0.0.1:{cluster.DashboardPort}";

    /// <summary>The silo's name in Leases and in the fleet view: its machine and process, as no POD_NAME is set here.</summary>
    private string SiloIdentity => $"{Environment.MachineName}-{cluster.SiloProcessId}";

    private async Task<JsonElement> FleetJsonAsync(params string[] args)
    {
        var (code, stdout, stderr) = await FleetAsync([.. args, "-o", "json"]);
        Assert.True(code == 0, $"kubectl certfleet fleet {string.Join(' ', args)}: exit {code}: {stderr}");
        using var document = JsonDocument.Parse(stdout);
        return document.RootElement.Clone();
    }

    private Task<(int ExitCode, string Output, string Error)> FleetAsync(params string[] args)
    {
        var environment = cluster.KubectlEnvironment;
        environment["CERTFLEET_URL"] = DashboardRoot;
        environment["CERTFLEET_TOKEN_FILE"] = cluster.TokenFile;
        return KubectlPlugin.RunAsync(environment, ["fleet", .. args]);
    }

    /// <summary>Certificates of the cluster as the API has them: all, and those whose Ready condition is True.</summary>
    private async Task<(int Total, int Ready)> CountCertificatesAsync()
    {
        using var list = JsonDocument.Parse(await cluster.MustAsync("get", "certificates", "-A", "-o", "json"));
        var items = list.RootElement.GetProperty("items").EnumerateArray().ToList();
        var ready = items.Count(item => item.TryGetProperty("status", out var status) && status.TryGetProperty("conditions", out var conditions)
            && conditions.EnumerateArray().Any(c => c.GetProperty("type").GetString() == "Ready" && c.GetProperty("status").GetString() == "True"));
        return (items.Count, ready);
    }

    private static JsonElement Member(JsonElement status, string name) =>
        Assert.Single(status.GetProperty("members").EnumerateArray(), member => member.GetProperty("name").GetString() == name);

    [Fact]
    public async Task FleetStatusAndCertificates_ShowTheMemberWithItsCountsAndWatchingSilo_AndThePageListsIt()
    {
        var ns = await cluster.NamespaceAsync();
        var issuer = $"selfsigned-{ns}";
        await cluster.MustApplyAsync(Manifests.SelfSignedClusterIssuer(issuer));
        // One that expires within 30 days (20 days' validity), one that does not (90 days, the default).
        await cluster.MustApplyAsync(Manifests.Certificate(ns, "short", issuer, "duration: 480h\nrenewBefore: 120h", issuerKind: "ClusterIssuer"));
        await cluster.MustApplyAsync(Manifests.Certificate(ns, "long", issuer, issuerKind: "ClusterIssuer"));
        foreach (var name in new[] { "short", "long" })
            await Processes.Eventually(() => cluster.MustAsync("-n", ns, "get", "certificate", name, "-o",
                "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"), r => r == "True", $"Certificate {ns}/{name} Ready (silo log: {cluster.SiloLog})");

        // Reports come every 5 s: the counts match what the API server holds, whatever other tests of the collection made.
        JsonElement home = default;
        await Processes.Eventually(async () =>
        {
            var expected = await CountCertificatesAsync();
            home = Member(await FleetJsonAsync("status"), Home);
            return home.TryGetProperty("certificates", out var c) && c.ValueKind == JsonValueKind.Object
                && c.GetProperty("total").GetInt32() == expected.Total && c.GetProperty("ready").GetInt32() == expected.Ready;
        }, ok => ok, $"fleet status to count the cluster's Certificates (silo log: {cluster.SiloLog})", 60);
        Assert.Equal("home", home.GetProperty("source").GetString());
        Assert.True(home.GetProperty("reachable").GetBoolean());
        Assert.Equal(JsonValueKind.Null, home.GetProperty("unreachableSince").ValueKind);
        Assert.Equal(SiloIdentity, home.GetProperty("watchingSilo").GetString());
        Assert.Equal(0, home.GetProperty("certificates").GetProperty("failing").GetInt32());
        Assert.True(home.GetProperty("certificates").GetProperty("expiringSoon").GetInt32() == 0, "nothing here expires within 14 days");

        var text = await FleetAsync("status");
        Assert.True(text.ExitCode == 0, text.Error);
        Assert.Matches($@"(?m)^{Home}\s+home\s+yes\s+{SiloIdentity}\s+\d+", text.Output);

        var within30 = await FleetJsonAsync("certificates", "--expiring", "30d");
        var names = within30.GetProperty("certificates").EnumerateArray()
            .Where(c => c.GetProperty("namespace").GetString() == ns).Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Equal(["short"], names);
        var all = await FleetJsonAsync("certificates");
        Assert.Equal(["short", "long"], all.GetProperty("certificates").EnumerateArray()
            .Where(c => c.GetProperty("namespace").GetString() == ns).Select(c => c.GetProperty("name").GetString()));

        var screenshot = await PageScreenshotAsync(ns);
        output.WriteLine($"fleet page screenshot: {screenshot}");
        Console.WriteLine($"fleet page screenshot: {screenshot}");
    }

    [Fact]
    public async Task AMemberWhoseApiServerStopsAnswering_ShowsUnreachableSince_AndReachableAgainOnceItAnswers()
    {
        await Processes.Eventually(async () => Member(await FleetJsonAsync("status"), Home).GetProperty("reachable").ValueKind,
            kind => kind == JsonValueKind.True, "the home cluster reported reachable", 60);

        using var emulator = await EmulatorAdmin.ForKubeconfigAsync(cluster.Kubeconfig);
        var cut = DateTimeOffset.UtcNow;
        await emulator.FaultAsync("""{"kind":"unreachable","seconds":40}""");
        try
        {
            var down = await Processes.Eventually(async () => Member(await FleetJsonAsync("status"), Home),
                member => member.GetProperty("reachable").ValueKind == JsonValueKind.False, "fleet status to show the member unreachable", 40);
            var since = down.GetProperty("unreachableSince").GetDateTimeOffset();
            Assert.InRange(since, cut.AddSeconds(-1), DateTimeOffset.UtcNow);
            Assert.False(string.IsNullOrEmpty(down.GetProperty("lastError").GetString()));
            var text = await FleetAsync("status");
            Assert.Contains($"no, unreachable since {since.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}", text.Output);
        }
        finally
        {
            await emulator.ClearFaultsAsync();
        }

        await Processes.Eventually(async () => Member(await FleetJsonAsync("status"), Home),
            member => member.GetProperty("reachable").ValueKind == JsonValueKind.True && member.GetProperty("watchingSilo").GetString() == SiloIdentity,
            $"the member reachable and watched again (silo log: {cluster.SiloLog})", 90);
    }

    /// <summary>Opens /fleet signed in, waits for the members table to show the member and <paramref name="ns"/>'s Certificates, and keeps a screenshot.</summary>
    private async Task<string> PageScreenshotAsync(string ns)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
        await using var signedIn = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            HttpCredentials = new HttpCredentials { Username = DashboardFixture.User, Password = DashboardFixture.Password },
            ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
        });
        var page = await signedIn.NewPageAsync();
        var answer = await page.GotoAsync($"{DashboardRoot}/fleet");
        Assert.Equal(200, answer!.Status);

        var wait = new LocatorAssertionsToContainTextOptions { Timeout = 30_000 };
        var firstMember = page.Locator("#members tbody tr").First;
        await Assertions.Expect(firstMember).ToContainTextAsync(Home, wait);
        var cells = firstMember.Locator("td");
        await Assertions.Expect(cells.Nth(1)).ToHaveTextAsync("home");
        await Assertions.Expect(cells.Nth(3)).ToHaveTextAsync("yes");
        await Assertions.Expect(cells.Nth(4)).ToHaveTextAsync(SiloIdentity);
        var (total, ready) = await CountCertificatesAsync();
        await Assertions.Expect(cells.Nth(5)).ToHaveTextAsync(total.ToString(System.Globalization.CultureInfo.InvariantCulture), new LocatorAssertionsToHaveTextOptions { Timeout = 30_000 });
        await Assertions.Expect(cells.Nth(6)).ToHaveTextAsync(ready.ToString(System.Globalization.CultureInfo.InvariantCulture), new LocatorAssertionsToHaveTextOptions { Timeout = 30_000 });
        // Certificates by expiry, within 30 days by default: this test's short one.
        await Assertions.Expect(page.Locator("#certificates tbody")).ToContainTextAsync(ns, wait);

        var path = Path.Combine(AppContext.BaseDirectory, "artifacts", "fleet-page.png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Assert.True(new FileInfo(path).Length > 10_000, $"the screenshot {path} is nearly empty");
        return path;
    }
}
