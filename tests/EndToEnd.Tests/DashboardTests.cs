using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// The emulator and a silo whose Orleans dashboard is on: on a port of its own, behind basic credentials and a bearer
/// token read from files, as the chart mounts them from a Secret.
/// </summary>
public sealed class DashboardFixture : ControllerFixture
{
    public const string User = "platform", Password = "correct horse battery staple", Token = "dashboard-token-0123456789";

    private readonly string _secrets = Directory.CreateTempSubdirectory("certfleet-dashboard-").FullName;

    public DashboardFixture()
    {
        // As `kubectl create secret --from-literal` mounts them: one value per file, a trailing newline tolerated.
        File.WriteAllText(Path.Combine(_secrets, "credentials"), $"{User}:{Password}\n");
        File.WriteAllText(Path.Combine(_secrets, "token"), Token);
    }

    public int DashboardPort { get; } = Processes.FreePort();

    public string DashboardUrl => $"http://127.0.0.1:{DashboardPort}/dashboard/";

    /// <summary>The bearer token's file, as the CLI's --token-file reads it.</summary>
    public string TokenFile => Path.Combine(_secrets, "token");

    protected override IReadOnlyDictionary<string, string> SiloSettings => new Dictionary<string, string>
    {
        ["CertFleet__Dashboard__Enabled"] = "true",
        ["CertFleet__Dashboard__Port"] = DashboardPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["CertFleet__Dashboard__CredentialsFile"] = Path.Combine(_secrets, "credentials"),
        ["CertFleet__Dashboard__BearerTokenFile"] = Path.Combine(_secrets, "token"),
    };
}

[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardFixture>
{
    public const string Name = "dashboard";
}

[Collection(DashboardCollection.Name)]
public sealed class DashboardTests(DashboardFixture cluster, ITestOutputHelper output)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task WithoutCredentials_TheDashboardAnswers401_AndOnlyItsOwnPortServesIt()
    {
        using var anonymous = await Http.GetAsync(cluster.DashboardUrl);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(["Basic", "Bearer"], anonymous.Headers.WwwAuthenticate.Select(challenge => challenge.Scheme));

        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(cluster.DashboardUrl, Basic(DashboardFixture.User, "wrong")));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(cluster.DashboardUrl, Basic("someone", DashboardFixture.Password)));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(cluster.DashboardUrl, new AuthenticationHeaderValue("Bearer", "dashboard-token-0123456788")));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(cluster.DashboardUrl, new AuthenticationHeaderValue("Bearer", DashboardFixture.Password)));
        // Health is the kubelet's, on the http port, never behind the dashboard's credentials.
        Assert.Equal(HttpStatusCode.OK, await StatusAsync($"http://127.0.0.1:{cluster.SiloHttpPort}/health/ready", null));

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(cluster.DashboardUrl, Basic(DashboardFixture.User, DashboardFixture.Password)));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(cluster.DashboardUrl, new AuthenticationHeaderValue("Bearer", DashboardFixture.Token)));

        // The http port does not serve it, whatever port the Host header names.
        using var spoofed = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{cluster.SiloHttpPort}/dashboard/");
        spoofed.Headers.Host = $"127.0.0.1:{cluster.DashboardPort}";
        spoofed.Headers.Authorization = Basic(DashboardFixture.User, DashboardFixture.Password);
        using var onHttpPort = await Http.SendAsync(spoofed);
        Assert.Equal(HttpStatusCode.NotFound, onHttpPort.StatusCode);
    }

    [Fact]
    public async Task InChromium_WithCredentials_ThePageListsTheCertFleetGrainTypesAndTheSilo_WithoutThemItIs401()
    {
        // A Certificate gives the dashboard CertFleet grains to list.
        var ns = await cluster.NamespaceAsync();
        await cluster.MustApplyAsync(Manifests.SelfSignedClusterIssuer($"selfsigned-{ns}"));
        await cluster.MustApplyAsync(Manifests.Certificate(ns, "web", $"selfsigned-{ns}", issuerKind: "ClusterIssuer"));
        await Processes.Eventually(() => cluster.MustAsync("-n", ns, "get", "certificate", "web", "-o",
            "jsonpath={.status.conditions[?(@.type==\"Ready\")].reason}"), r => r == "Ready", $"Certificate {ns}/web Ready (silo log: {cluster.SiloLog})");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            // Debian's chromium; Playwright's own browsers are never downloaded. Each launch gets a fresh temporary profile
            // from Playwright itself (it refuses a --user-data-dir argument here).
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });

        await using (var anonymous = await browser.NewContextAsync())
        {
            var page = await anonymous.NewPageAsync();
            var refused = page.WaitForResponseAsync(cluster.DashboardUrl, new PageWaitForResponseOptions { Timeout = 30_000 });
            // Chromium ends a navigation whose challenge it cannot answer with ERR_INVALID_AUTH_CREDENTIALS; the answer came first.
            var navigation = await Assert.ThrowsAsync<PlaywrightException>(() => page.GotoAsync(cluster.DashboardUrl));
            Assert.Contains("ERR_INVALID_AUTH_CREDENTIALS", navigation.Message);
            Assert.Equal(401, (await refused).Status);
        }

        await using var signedIn = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            HttpCredentials = new HttpCredentials { Username = DashboardFixture.User, Password = DashboardFixture.Password },
            ViewportSize = new ViewportSize { Width = 1400, Height = 1000 },
        });
        var dashboard = await signedIn.NewPageAsync();
        var answer = await dashboard.GotoAsync(cluster.DashboardUrl);
        Assert.Equal(200, answer!.Status);
        var content = dashboard.Locator("#content");
        // The overview counts the cluster's silos; its pages fill in from the dashboard's API.
        await Assertions.Expect(content).ToContainTextAsync("Active Silos", new LocatorAssertionsToContainTextOptions { Timeout = 30_000 });

        // Grains: the CertFleet grain types with activations, named by class.
        await dashboard.GotoAsync(cluster.DashboardUrl + "#/grains");
        foreach (var grainType in new[] { "CertificateGrain", "IssuerGrain", "SecretClaimGrain" })
            await Assertions.Expect(content).ToContainTextAsync(grainType, new LocatorAssertionsToContainTextOptions { Timeout = 60_000 });
        var grains = await ScreenshotAsync(dashboard, "dashboard-grains.png");

        // Silos: the one silo of this cluster, listed as active.
        await dashboard.GotoAsync(cluster.DashboardUrl + "#/silos");
        await Assertions.Expect(content).ToContainTextAsync("127.0.0.1:", new LocatorAssertionsToContainTextOptions { Timeout = 30_000 });
        await Assertions.Expect(content).ToContainTextAsync("Active", new LocatorAssertionsToContainTextOptions { Timeout = 30_000 });
        var silos = await ScreenshotAsync(dashboard, "dashboard-silos.png");
        output.WriteLine($"dashboard screenshots: {grains} {silos}");
        Console.WriteLine($"dashboard screenshots: {grains} {silos}");
    }

    /// <summary>Keeps a full-page screenshot under the test output's artifacts folder and returns its path.</summary>
    private static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "artifacts", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Assert.True(new FileInfo(path).Length > 10_000, $"the screenshot {path} is nearly empty");
        return path;
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    private static async Task<HttpStatusCode> StatusAsync(string url, AuthenticationHeaderValue? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = authorization;
        using var response = await Http.SendAsync(request);
        return response.StatusCode;
    }
}
