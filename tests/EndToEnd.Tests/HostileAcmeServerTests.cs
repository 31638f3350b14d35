using System.Globalization;
using CertFleet.TestSupport;
using Xunit.Abstractions;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// A tenant names a hostile ACME server: its Issuers end Ready=False with a reason naming the limit, the silo's memory
/// stays put, and another namespace's Certificates are issued meanwhile.
/// </summary>
[Collection(ControllerCollection.Name)]
public sealed class HostileAcmeServerTests(ControllerFixture cluster, ITestOutputHelper output)
{
    private const long RssBoundKiB = 50 * 1024;
    private const int GoodCertificates = 6;

    [Fact]
    public async Task Issuers_naming_a_hostile_server_end_not_ready_with_the_limit_while_another_namespace_keeps_issuing()
    {
        await using var hostile = await HostileHttpServer.StartAsync();
        var good = await cluster.NamespaceAsync();
        await Must(cluster.ApplyAsync(SelfSignedIssuer(good, "self")));
        var honest = await cluster.NamespaceAsync();
        var bad = await cluster.NamespaceAsync();
        try
        {
            await IssueAlongsideHostileIssuersAsync(hostile, good, honest, bad, cluster.SiloProcessId);
        }
        finally
        {
            // The Issuers would otherwise retry every minute for the rest of the collection's tests.
            foreach (var ns in new[] { honest, bad })
                await cluster.KubectlAsync("-n", ns, "delete", "issuers", "--all", "--wait=false");
        }
    }

    private async Task IssueAlongsideHostileIssuersAsync(HostileHttpServer hostile, string good, string honest, string bad, int pid)
    {
        var answers = Enum.GetValues<HostileAnswer>();
        var host = hostile.BaseUrl.Authority;

        // The same work with honest answers first: as many issuances, and as many ACME Issuers registering against a
        // server that answers a plain 404. It warms the silo up, and its growth shows what the hostility adds.
        var honestRss = await RssDuringAsync(pid, async () =>
        {
            foreach (var answer in answers)
                await Must(cluster.ApplyAsync(AcmeIssuer(honest, Name(answer), new Uri(hostile.BaseUrl, $"/nothing-{Name(answer)}/directory"))));
            await IssueAsync(good, "honest");
            foreach (var answer in answers)
                await WaitAsync("issuer", honest, Name(answer), "{.status.conditions[?(@.type==\"Ready\")].reason}", "ErrRegisterACMEAccount");
        });

        var started = DateTime.UtcNow;
        var refused = $"Failed to register ACME account: The ACME server {host} sent an answer CertFleet does not read while fetching the directory: " +
                      "the ACME server's answer exceeded 1 MiB";
        var expected = new Dictionary<HostileAnswer, Func<string, bool>>
        {
            [HostileAnswer.GzipBomb] = m => m == refused,
            [HostileAnswer.HugeBody] = m => m == refused,
            [HostileAnswer.HugeProblem] = m => m == refused,
            // The client's 15 s request timeout covers the body; the server would trickle for 60 s.
            [HostileAnswer.Trickle] = m => m == $"Failed to register ACME account: The ACME server {host} did not answer within 15 s while fetching the directory",
            [HostileAnswer.RedirectElsewhere] = m => m == $"Failed to register ACME account: The ACME server {host} answered fetching the directory with a redirect " +
                $"(HTTP 302) to http://{HostileHttpServer.ElsewhereHost}/RedirectElsewhere/directory; CertFleet follows no redirects from an ACME server: " +
                "set spec.acme.server to the directory URL itself",
            [HostileAnswer.LongProblemDetail] = m =>
                m.StartsWith($"Failed to register ACME account: The ACME server {host} refused fetching the directory: the CA explains at length", StringComparison.Ordinal)
                && m.EndsWith($"… (cut at 1,024 of {HostileHttpServer.LongProblemDetailChars:N0} characters) (malformed, HTTP 400)", StringComparison.Ordinal)
                && m.Length < 1300,
        };
        var hostileRss = await RssDuringAsync(pid, async () =>
        {
            foreach (var answer in answers)
                await Must(cluster.ApplyAsync(AcmeIssuer(bad, Name(answer), hostile.UrlFor(answer, "directory"))));
            var goodIssued = IssueAsync(good, "good");
            var hostileRefused = Task.WhenAll(answers.Select(async answer =>
            {
                var message = await Processes.Eventually(
                    () => Field("issuer", bad, Name(answer), "{.status.conditions[?(@.type==\"Ready\")].message}"),
                    expected[answer], $"Issuer {bad}/{Name(answer)} Ready message for {answer} (silo log: {cluster.SiloLog})", 60);
                Assert.Equal("False", await Field("issuer", bad, Name(answer), "{.status.conditions[?(@.type==\"Ready\")].status}"));
                Assert.Equal("ErrRegisterACMEAccount", await Field("issuer", bad, Name(answer), "{.status.conditions[?(@.type==\"Ready\")].reason}"));
                output.WriteLine($"{answer}: Ready=False after {(DateTime.UtcNow - started).TotalSeconds:0} s ({message.Length} characters): {message[..Math.Min(message.Length, 160)]}");
            }));
            await goodIssued;
            output.WriteLine($"{GoodCertificates} Certificates of namespace {good} Ready after {(DateTime.UtcNow - started).TotalSeconds:0} s");
            await hostileRefused;
        });

        output.WriteLine($"silo {pid} RSS, honest answers:  {honestRss}");
        output.WriteLine($"silo {pid} RSS, hostile answers: {hostileRss}; bound +{RssBoundKiB / 1024} MiB");
        output.WriteLine("requests served: " + string.Join(", ", answers.Select(a => $"{a} {hostile.RequestsFor(a)}")));
        Assert.All(answers, a => Assert.True(hostile.RequestsFor(a) > 0, $"{a} was never asked"));
        // The whole phase, honest issuance included, stays within the bound; the honest phase printed above shows how
        // much of it the hostility added (reading the bomb unbounded would add a GiB).
        Assert.InRange(hostileRss.PeakGrowthKiB, long.MinValue, RssBoundKiB);
    }

    private async Task IssueAsync(string ns, string prefix)
    {
        for (var i = 0; i < GoodCertificates; i++)
            await Must(cluster.ApplyAsync(Manifests.Certificate(ns, $"{prefix}-{i}", "self")));
        await Task.WhenAll(Enumerable.Range(0, GoodCertificates).Select(i =>
            WaitAsync("certificate", ns, $"{prefix}-{i}", "{.status.conditions[?(@.type==\"Ready\")].status}", "True")));
    }

    /// <summary>The silo's resident set before, at its highest (sampled every 100 ms) and after <paramref name="phase"/>.</summary>
    private static async Task<RssFigures> RssDuringAsync(int pid, Func<Task> phase)
    {
        var before = StatusKiB(pid, "VmRSS");
        var peak = before;
        using var stop = new CancellationTokenSource();
        var sampling = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, StatusKiB(pid, "VmRSS"));
                await Task.Delay(100);
            }
        });
        try
        {
            await phase();
        }
        finally
        {
            stop.Cancel();
            await sampling;
        }
        var after = StatusKiB(pid, "VmRSS");
        return new RssFigures(before, Math.Max(peak, after), after);
    }

    private sealed record RssFigures(long BeforeKiB, long PeakKiB, long AfterKiB)
    {
        public long PeakGrowthKiB => PeakKiB - BeforeKiB;

        public override string ToString() =>
            $"before {BeforeKiB / 1024.0:0.0} MiB, peak {PeakKiB / 1024.0:0.0} MiB (+{PeakGrowthKiB / 1024.0:0.0}), after {AfterKiB / 1024.0:0.0} MiB";
    }

    private static string SelfSignedIssuer(string ns, string name) => $$"""
        apiVersion: cert-manager.io/v1
        kind: Issuer
        metadata: {name: {{name}}, namespace: {{ns}} }
        spec: {selfSigned: {} }
        """;

    private static string AcmeIssuer(string ns, string name, Uri server) => $$"""
        apiVersion: cert-manager.io/v1
        kind: Issuer
        metadata: {name: {{name}}, namespace: {{ns}} }
        spec:
          acme:
            server: {{server}}
            privateKeySecretRef: {name: {{name}}-account}
            solvers:
              - http01: {ingress: {class: nginx} }
        """;

    private static string Name(HostileAnswer answer) => answer.ToString().ToLowerInvariant();

    private Task<string> Field(string kind, string ns, string name, string jsonPath) =>
        cluster.MustAsync("-n", ns, "get", kind, name, "-o", $"jsonpath={jsonPath}");

    private Task<string> WaitAsync(string kind, string ns, string name, string jsonPath, string expected) =>
        Processes.Eventually(async () => (await cluster.KubectlAsync("-n", ns, "get", kind, name, "-o", $"jsonpath={jsonPath}")).Output,
            v => v == expected, $"{kind} {ns}/{name} {jsonPath} = {expected} (silo log: {cluster.SiloLog})", 60);

    private static async Task Must(Task<(int ExitCode, string Output, string Error)> applied)
    {
        var (code, _, error) = await applied;
        Assert.True(code == 0, error);
    }

    /// <summary>A size line of /proc/&lt;pid&gt;/status ("VmRSS:  123456 kB"), in KiB.</summary>
    private static long StatusKiB(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
