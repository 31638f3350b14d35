using System.Diagnostics;
using System.Net;
using CertFleet.Providers.Acme;
using CertFleet.TestSupport;
using Xunit.Abstractions;

namespace CertFleet.Providers.Tests.Acme;

/// <summary>
/// The ACME client against a server a hostile tenant would name: every refusal is an <see cref="AcmeException"/> a
/// person can act on, and memory stays bounded. Alone in its collection, so the process-wide allocation count it
/// prints and bounds is this test's own.
/// </summary>
[Collection(HostileServerCollection.Name)]
public sealed class AcmeClientHostileServerTests(HostileServerFixture fixture, ITestOutputHelper output)
{
    private const long MemoryBound = 50L * 1024 * 1024;
    private HostileHttpServer Server => fixture.Server;

    [Theory]
    [InlineData(HostileAnswer.GzipBomb)]
    [InlineData(HostileAnswer.HugeBody)]
    [InlineData(HostileAnswer.HugeProblem)]
    public async Task An_answer_past_1_MiB_is_refused_with_the_limit_and_memory_stays_bounded(HostileAnswer answer)
    {
        using var client = Client(answer);
        var requestsBefore = Server.RequestsFor(answer);

        var (error, allocated) = await MeasureAsync(() => Assert.ThrowsAsync<AcmeException>(() => client.GetDirectoryAsync()));

        Assert.Equal($"The ACME server {Server.BaseUrl.Authority} sent an answer CertFleet does not read while fetching the directory: " +
                     "the ACME server's answer exceeded 1 MiB", error.Message);
        Assert.Equal(AcmeProblemAction.BackOff, error.SuggestedAction);
        Assert.Equal(1, Server.RequestsFor(answer) - requestsBefore);
        output.WriteLine($"{answer}: {allocated / 1024.0 / 1024:0.0} MiB allocated while refusing it (bound {MemoryBound / 1024 / 1024} MiB)");
        Assert.InRange(allocated, 0, MemoryBound);
    }

    [Fact]
    public async Task A_body_trickling_for_60_s_ends_at_the_request_timeout()
    {
        using var client = Client(HostileAnswer.Trickle, TimeSpan.FromSeconds(2));
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<AcmeException>(() => client.GetDirectoryAsync());

        Assert.Equal($"The ACME server {Server.BaseUrl.Authority} did not answer within 2 s while fetching the directory", error.Message);
        output.WriteLine($"trickle ended after {clock.Elapsed.TotalSeconds:0.0} s (the body lasts {Server.TrickleFor.TotalSeconds:0} s)");
        // The headers came at once; only a timeout covering the body ends it before the server's 60 s.
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_redirect_to_another_host_is_refused_naming_the_target()
    {
        using var client = Client(HostileAnswer.RedirectElsewhere);

        var error = await Assert.ThrowsAsync<AcmeException>(() => client.GetDirectoryAsync());

        Assert.Equal($"The ACME server {Server.BaseUrl.Authority} answered fetching the directory with a redirect (HTTP 302) to " +
                     $"http://{HostileHttpServer.ElsewhereHost}/RedirectElsewhere/directory; CertFleet follows no redirects from an ACME server: " +
                     "set spec.acme.server to the directory URL itself", error.Message);
        Assert.Equal(302, error.StatusCode);
    }

    [Fact]
    public async Task A_long_problem_detail_is_cut_to_1024_characters_with_a_marker()
    {
        using var client = Client(HostileAnswer.LongProblemDetail);

        var error = await Assert.ThrowsAsync<AcmeException>(() => client.GetDirectoryAsync());

        Assert.Equal("malformed", error.Problem!.ShortType);
        Assert.EndsWith($"… (cut at 1,024 of {HostileHttpServer.LongProblemDetailChars:N0} characters)", error.Problem.Detail);
        Assert.StartsWith("the CA explains at length", error.Problem.Detail);
        Assert.InRange(error.Message.Length, 1024, 1300);
        Assert.Contains("(malformed, HTTP 400)", error.Message);
    }

    [Fact]
    public async Task A_certificate_chain_may_take_4_MiB_and_no_more()
    {
        using var server = new ScriptedAcmeHandler();
        using var client = new AcmeClient(new AcmeClientOptions { DirectoryUrl = new Uri(ScriptedAcmeHandler.Directory) }, AcmeAccountKey.Generate(), server)
        {
            AccountUrl = "https://ca.test/acct/1",
        };
        // 2 MiB is over the JSON limit but within the chain's: it is read, and then is no PEM chain.
        server.Reply(HttpStatusCode.OK, new string('x', 2 * 1024 * 1024), "application/pem-certificate-chain");
        var notPem = await Assert.ThrowsAsync<AcmeException>(() => client.DownloadCertificateAsync("https://ca.test/cert/1"));
        Assert.Contains("not a PEM chain", notPem.Message);

        server.Reply(HttpStatusCode.OK, new string('x', 4 * 1024 * 1024 + 1), "application/pem-certificate-chain");
        var tooLarge = await Assert.ThrowsAsync<AcmeException>(() => client.DownloadCertificateAsync("https://ca.test/cert/1"));
        Assert.Equal("The ACME server ca.test sent an answer CertFleet does not read while downloading the certificate: " +
                     "the ACME server's answer exceeded 4 MiB", tooLarge.Message);
    }

    private AcmeClient Client(HostileAnswer answer, TimeSpan? timeout = null) => new(new AcmeClientOptions
    {
        DirectoryUrl = Server.UrlFor(answer, "directory"),
        RequestTimeout = timeout ?? TimeSpan.FromSeconds(15),
    }, AcmeAccountKey.Generate());

    private static async Task<(T Result, long Allocated)> MeasureAsync<T>(Func<Task<T>> action)
    {
        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var result = await action();
        return (result, GC.GetTotalAllocatedBytes(precise: true) - before);
    }
}

/// <summary>One hostile server for the tests that bound memory; the bomb is compressed once.</summary>
public sealed class HostileServerFixture : IAsyncLifetime
{
    public HostileHttpServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await HostileHttpServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostileServerCollection : ICollectionFixture<HostileServerFixture>
{
    public const string Name = "hostile-server";
}
