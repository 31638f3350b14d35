using System.Text.Json;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Fleet;
using CertFleet.Kubernetes.Bridge.Cli;
using CertFleet.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CertFleet.Cli.Tests;

/// <summary>
/// `fleet status|certificates|duplicates` against a stand-in for a silo's fleet API (its paths, JSON and bearer
/// check): the text tables, `-o json`, and the errors a wrong URL or wrong credentials give.
/// </summary>
public sealed class FleetCommandTests : IAsyncLifetime
{
    private const string Token = "fleet-token-42";
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 22, 0, 0, TimeSpan.Zero);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly FleetStatus Status = new(Now,
    [
        new FleetMemberStatus("home", "home", new Dictionary<string, string>(), true, null, null, "silo-0", Now, false, new FleetCertificateCounts(12, 11, 1, 2, 0)),
        new FleetMemberStatus("east", "secret", new Dictionary<string, string> { ["region"] = "eu" }, false, Now.AddMinutes(-3), "connection refused",
            "silo-1", Now, false, new FleetCertificateCounts(4, 3, 1, 0, 1)),
        new FleetMemberStatus("west", "secret", new Dictionary<string, string>(), null, null, null, null, null, false, null),
    ],
    [new FleetBudget("acme.test", "newOrdersPerAccount", "acme.test/acct/1", 300, TimeSpan.FromHours(3), 297, null)]);

    private static readonly FleetCertificates Certificates = new(Now, TimeSpan.FromDays(30),
    [
        new FleetCertificateEntry("east", "store", "api", "False", Now.AddDays(3), Now.AddDays(-7), true, "ClusterIssuer/le"),
        new FleetCertificateEntry("home", "shop", "web", "True", Now.AddDays(20), Now.AddDays(10), false, "Issuer/ca"),
    ], ["west"]);

    private static readonly FleetDuplicates Duplicates = new(Now,
        [new FleetDuplicateSet("acme.test/web.example.com", [new ObjectKey("home", "shop", "web"), new ObjectKey("east", "store", "web")])]);

    private readonly string _tokenFile = Path.GetTempFileName();
    private WebApplication _api = null!;
    private string _url = null!;
    private readonly List<string> _queries = [];

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(_tokenFile, Token + "\n");
        _api = LoopbackWebServer.Build();
        _api.Use(async (context, next) =>
        {
            if (context.Request.Headers.Authorization != $"Bearer {Token}")
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }
            await next(context);
        });
        _api.MapGet("/fleet/api/status", () => Results.Json(Status, Json));
        _api.MapGet("/fleet/api/certificates", (HttpContext context) =>
        {
            _queries.Add(context.Request.QueryString.Value ?? "");
            return Results.Json(Certificates, Json);
        });
        _api.MapGet("/fleet/api/duplicates", () => Results.Json(Duplicates, Json));
        _url = (await _api.StartListeningAsync())[0].ToString().TrimEnd('/');
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        File.Delete(_tokenFile);
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CertFleetCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.TrimEnd('\r')).ToArray();

    [Fact]
    public async Task FleetStatus_PrintsOneRowPerMember_WithReachabilityWatchingSiloAndCounts_ThenTheSharedBudgets()
    {
        var (code, output, error) = await RunAsync("fleet", "status", "--url", _url, "--token-file", _tokenFile);

        Assert.True(code == 0, error);
        var lines = Lines(output);
        Assert.Matches(@"^NAME\s+SOURCE\s+REACHABLE\s+WATCHED BY\s+CERTIFICATES\s+READY\s+NOT READY\s+EXPIRING \(14d\)\s+FAILING$", lines[0]);
        Assert.Matches(@"^home\s+home\s+yes\s+silo-0\s+12\s+11\s+1\s+2\s+0$", lines[1]);
        Assert.Matches(@"^east\s+secret\s+no, unreachable since 2026-12-07T21:57:00Z\s+silo-1\s+4\s+3\s+1\s+0\s+1$", lines[2]);
        Assert.Matches(@"^west\s+secret\s+not reported yet\s+<none>\s+-\s+-\s+-\s+-\s+-$", lines[3]);
        // Columns line up: every row's "WATCHED BY" starts where the header's does.
        var column = lines[0].IndexOf("WATCHED BY", StringComparison.Ordinal);
        Assert.Equal(["silo-0", "silo-1", "<none>"], lines[1..4].Select(line => line[column..].Split(' ')[0]));
        Assert.Contains("Budgets left (shared by every member):", lines);
        Assert.Matches(@"^acme\.test\s+newOrdersPerAccount\s+acme\.test/acct/1\s+297/300$", lines[^1]);
    }

    [Fact]
    public async Task FleetStatusAsJson_CarriesEveryMemberField()
    {
        var (code, output, error) = await RunAsync("fleet", "status", "-o", "json", "--url", _url + "/fleet/", "--token-file", _tokenFile);

        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var members = json.RootElement.GetProperty("members");
        Assert.Equal(3, members.GetArrayLength());
        var east = members[1];
        Assert.Equal("east", east.GetProperty("name").GetString());
        Assert.False(east.GetProperty("reachable").GetBoolean());
        Assert.Equal(Now.AddMinutes(-3), east.GetProperty("unreachableSince").GetDateTimeOffset());
        Assert.Equal("silo-1", east.GetProperty("watchingSilo").GetString());
        Assert.Equal(1, east.GetProperty("certificates").GetProperty("failing").GetInt32());
        Assert.Equal("eu", east.GetProperty("labels").GetProperty("region").GetString());
        Assert.Equal(297, json.RootElement.GetProperty("budgets")[0].GetProperty("remaining").GetInt32());
    }

    [Fact]
    public async Task FleetCertificates_SendsTheWindow_AndListsCertificatesOfEveryMember_NamingIncompleteMembers()
    {
        var (code, output, error) = await RunAsync("fleet", "certificates", "--expiring", "30d", "--url", _url, "--token-file", _tokenFile);

        Assert.True(code == 0, error);
        Assert.Equal("?expiring=30d", Assert.Single(_queries));
        var lines = Lines(output);
        Assert.Matches(@"^CLUSTER\s+NAMESPACE\s+NAME\s+READY\s+NOT AFTER\s+RENEWAL\s+ISSUER\s+FAILING$", lines[0]);
        Assert.Matches(@"^east\s+store\s+api\s+False\s+2026-12-10T22:00:00Z\s+2026-11-30T22:00:00Z\s+ClusterIssuer/le\s+yes$", lines[1]);
        Assert.Matches(@"^home\s+shop\s+web\s+True\s+2026-12-27T22:00:00Z\s+2026-12-17T22:00:00Z\s+Issuer/ca$", lines[2]);
        Assert.Contains("Possibly incomplete for west", lines[3]);

        var (jsonCode, json, _) = await RunAsync("fleet", "certs", "--expiring=30d", "-o", "json", "--url", _url, "--token-file", _tokenFile);
        Assert.Equal(0, jsonCode);
        using var document = JsonDocument.Parse(json);
        Assert.Equal(["east", "home"], document.RootElement.GetProperty("certificates").EnumerateArray().Select(c => c.GetProperty("cluster").GetString()));
    }

    [Fact]
    public async Task FleetDuplicates_NamesEveryHolderWithItsCluster()
    {
        var (code, output, error) = await RunAsync("fleet", "duplicates", "--url", _url, "--token-file", _tokenFile);

        Assert.True(code == 0, error);
        Assert.Matches(@"^acme\.test/web\.example\.com\s+home/shop/web, east/store/web$", Lines(output)[1]);
    }

    [Fact]
    public async Task WrongCredentials_AnUnreachableUrl_NoUrl_AndABadWindow_AreOneLineErrorsWithTheExitCodesOfTheOtherCommands()
    {
        var wrongToken = Path.GetTempFileName();
        await File.WriteAllTextAsync(wrongToken, "not-the-token");
        try
        {
            var refused = await RunAsync("fleet", "status", "--url", _url, "--token-file", wrongToken);
            Assert.Equal(CliException.Failed, refused.ExitCode);
            Assert.Contains("refused the credentials (HTTP 401)", refused.Error);
            Assert.Contains("--token-file", refused.Error);
        }
        finally
        {
            File.Delete(wrongToken);
        }

        var closed = LoopbackPorts.Allocate(1)[0];
        var unreachable = await RunAsync("fleet", "status", "--url", $"http://127.0.0.1:{closed}", "--token-file", _tokenFile);
        Assert.Equal(CliException.Failed, unreachable.ExitCode);
        Assert.StartsWith($"error: cannot reach the fleet API at http://127.0.0.1:{closed}/fleet/api/status", unreachable.Error);
        Assert.DoesNotContain("   at ", unreachable.Error);

        var notFleet = await RunAsync("fleet", "status", "--url", _url + "/elsewhere/x", "--token-file", _tokenFile);
        Assert.Equal(CliException.Failed, notFleet.ExitCode);

        var noUrl = await RunAsync("fleet", "status", "--token-file", _tokenFile);
        Assert.Equal(CliException.BadUsage, noUrl.ExitCode);
        Assert.Contains("--url", noUrl.Error);

        var noCredentials = await RunAsync("fleet", "status", "--url", _url);
        Assert.Equal(CliException.BadUsage, noCredentials.ExitCode);
        Assert.Contains("--credentials-file", noCredentials.Error);

        var badWindow = await RunAsync("fleet", "certificates", "--expiring", "30days", "--url", _url, "--token-file", _tokenFile);
        Assert.Equal(CliException.BadUsage, badWindow.ExitCode);
        Assert.Contains("\"30days\" is not a window such as 30d", badWindow.Error);
    }
}
