using System.Collections.Concurrent;
using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using CertFleet.Providers.Caa;
using CertFleet.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace CertFleet.Providers.Tests.Caa;

/// <summary>
/// Counting DNS tests run alone: under the whole suite's load a slow answer makes the client retransmit, which would
/// count as a second lookup.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DnsCountingCollection
{
    public const string Name = "dns counting";
}

/// <summary>CaaLookup against a loopback DNS server that counts the questions it is asked.</summary>
[Collection(DnsCountingCollection.Name)]
public sealed class CaaLookupTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.Parse("2026-11-28T00:00:00Z"));
    /// <summary>Distinct queries (transaction IDs) per name: a retransmission of one query is not a second lookup.</summary>
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<ushort, byte>> _asked = new();
    private readonly ConcurrentDictionary<string, (ReturnCode Code, int Ttl, string[] Issue, int? NegativeTtl)> _zone = new();
    private DnsServer _server = null!;
    private int _port;
    private TimeSpan _answerDelay = TimeSpan.Zero;

    public Task InitializeAsync()
    {
        _port = LoopbackPorts.Allocate(1)[0];
        _server = new DnsServer(new UdpServerTransport(new IPEndPoint(IPAddress.Loopback, _port)));
        _server.QueryReceived += async (_, e) =>
        {
            if (e.Query is not DnsMessage query || query.Questions.Count != 1) return;
            var question = query.Questions[0];
            var name = question.Name.ToString().TrimEnd('.');
            _asked.GetOrAdd(name, _ => new()).TryAdd(query.TransactionID, 0);
            if (_answerDelay > TimeSpan.Zero) await Task.Delay(_answerDelay);
            var response = query.CreateResponseInstance();
            var (code, ttl, issue, negativeTtl) = _zone.GetValueOrDefault(name, (ReturnCode.NoError, 0, [], null));
            response.ReturnCode = code;
            foreach (var value in issue)
                response.AnswerRecords.Add(new CAARecord(question.Name, ttl, 0, "issue", value));
            if (issue.Length == 0 && negativeTtl is { } negative)
                response.AuthorityRecords.Add(new SoaRecord(DomainName.Parse("example"), negative, DomainName.Parse("ns.example"),
                    DomainName.Parse("hostmaster.example"), 1, 3600, 600, 86400, negative));
            e.Response = response;
        };
        _server.Start();
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _server.Stop();
        return Task.CompletedTask;
    }

    // A generous timeout: one query, never a retransmission, however slow the machine.
    private CaaLookup Lookup() => new([$"127.0.0.1:{_port}"], TimeSpan.FromSeconds(10), _clock);

    private int Asked(string name) => _asked.TryGetValue(name, out var ids) ? ids.Count : 0;

    [Fact]
    public async Task TheClosestParentsRecordsApplyAndAreAskedForOncePerTtl()
    {
        _zone["shop.example"] = (ReturnCode.NoError, 300, ["letsencrypt.org"], null);
        var lookup = Lookup();

        var first = await lookup.RelevantRecordsAsync("a.shop.example");
        var second = await lookup.RelevantRecordsAsync("*.b.shop.example");

        Assert.Equal("shop.example", Assert.Single(first).Owner);
        Assert.Equal("letsencrypt.org", Assert.Single(second).Value);
        Assert.Equal(1, Asked("a.shop.example")); // no SOA with the empty answer: not kept
        Assert.Equal(1, Asked("b.shop.example"));
        Assert.Equal(1, Asked("shop.example"));
        Assert.Equal(0, Asked("example")); // the walk stops at the first name with records
    }

    [Fact]
    public async Task AnAnswerIsKeptAtMostAMinuteEvenWithALongerTtl()
    {
        _zone["example"] = (ReturnCode.NoError, 3600, ["letsencrypt.org"], null);
        var lookup = Lookup();

        await lookup.RelevantRecordsAsync("example");
        _clock.Advance(CaaLookup.MaxCacheAge - TimeSpan.FromSeconds(1));
        await lookup.RelevantRecordsAsync("example");
        Assert.Equal(1, Asked("example"));

        // the owner fixed the record: seen within a minute
        _zone["example"] = (ReturnCode.NoError, 3600, [";"], null);
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(";", Assert.Single(await lookup.RelevantRecordsAsync("example")).Value);
        Assert.Equal(2, Asked("example"));
    }

    [Fact]
    public async Task AShortTtlIsHonoured()
    {
        _zone["example"] = (ReturnCode.NoError, 5, ["letsencrypt.org"], null);
        var lookup = Lookup();

        await lookup.RelevantRecordsAsync("example");
        _clock.Advance(TimeSpan.FromSeconds(6));
        await lookup.RelevantRecordsAsync("example");

        Assert.Equal(2, Asked("example"));
    }

    [Fact]
    public async Task ANegativeAnswerLivesForItsSoaNegativeTtl()
    {
        _zone["shop.example"] = (ReturnCode.NoError, 0, [], 30);
        _zone["example"] = (ReturnCode.NoError, 0, [], 30);
        var lookup = Lookup();

        Assert.Empty(await lookup.RelevantRecordsAsync("shop.example"));
        _clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(await lookup.RelevantRecordsAsync("shop.example"));
        Assert.Equal(1, Asked("shop.example"));

        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Empty(await lookup.RelevantRecordsAsync("shop.example"));
        Assert.Equal(2, Asked("shop.example"));
    }

    [Fact]
    public async Task AFailureIsNeverKept()
    {
        _zone["broken.example"] = (ReturnCode.ServerFailure, 0, [], null);
        var lookup = Lookup();

        var error = await Assert.ThrowsAsync<CaaLookupException>(() => lookup.RelevantRecordsAsync("broken.example"));
        Assert.Contains("CAA lookup for broken.example failed with SERVFAIL", error.Message);

        _zone["broken.example"] = (ReturnCode.NoError, 300, ["letsencrypt.org"], null);
        Assert.Single(await lookup.RelevantRecordsAsync("broken.example"));
        Assert.Equal(2, Asked("broken.example"));
    }

    [Fact]
    public async Task ConcurrentLookupsUnderOneZoneShareTheParentsQuery()
    {
        _zone["fleet.example"] = (ReturnCode.NoError, 300, ["letsencrypt.org"], null);
        _answerDelay = TimeSpan.FromMilliseconds(100);
        var lookup = Lookup();

        var all = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => lookup.RelevantRecordsAsync($"host-{i}.fleet.example")));

        Assert.All(all, records => Assert.Equal("fleet.example", Assert.Single(records).Owner));
        Assert.Equal(1, Asked("fleet.example"));
        Assert.All(Enumerable.Range(0, 20), i => Assert.Equal(1, Asked($"host-{i}.fleet.example")));
    }

    [Fact]
    public async Task ACallerThatGivesUpDoesNotSpoilTheSharedQuery()
    {
        _zone["example"] = (ReturnCode.NoError, 300, ["letsencrypt.org"], null);
        _answerDelay = TimeSpan.FromMilliseconds(300);
        var lookup = Lookup();

        using var impatient = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        var cancelled = lookup.RelevantRecordsAsync("example", impatient.Token);
        var patient = lookup.RelevantRecordsAsync("example");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Single(await patient);
        Assert.Equal(1, Asked("example"));
    }
}
