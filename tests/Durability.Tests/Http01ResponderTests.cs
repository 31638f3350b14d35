using System.Diagnostics;
using System.Security.Cryptography;
using CertFleet.Grains.Acme;
using CertFleet.Grains.Tests;
using CertFleet.Interfaces.Grains;
using CertFleet.Silo;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace CertFleet.Durability.Tests;

/// <summary>
/// The silo's HTTP-01 responder, on a silo whose grain storage counts reads: a stranger's tokens reach no grain and no
/// storage, and a known token is served only to requests for the host its Challenge names.
/// </summary>
public sealed class Http01ResponderTests
{
    private const string Token = "known-token_Q1w2E3";
    private const string KeyAuthorization = "known-token_Q1w2E3.thumbprint";

    [Fact]
    public async Task TenThousandUnknownTokensActivateNoGrainAndReadNoStorageAndAKnownTokenIsServedOnlyForItsHost()
    {
        var storage = new ReadCountingStorage();
        await using var silo = await TestSilo.StartAsync(new CertFleetOptions { Storage = "memory" }, new FakeCluster(), s =>
        {
            s.AddMemoryGrainStorage("counted");
            s.Services.AddKeyedSingleton<IGrainStorage>(SiloStorage.GrainStorage,
                (services, _) => storage.Over(services.GetRequiredKeyedService<IGrainStorage>("counted")));
        });
        var directory = silo.Grains.GetGrain<IHttp01TokenDirectoryGrain>(IHttp01TokenDirectoryGrain.SingletonKey);
        await directory.PresentAsync(Token, KeyAuthorization, "Shop.Example.com");
        var tokens = new Http01Tokens(silo.Grains, TimeProvider.System);
        var responder = new Http01Responder(tokens);

        // The Host the Challenge names, whatever its letter case, port or trailing dot: the key authorization.
        foreach (var host in new[] { "shop.example.com", "SHOP.EXAMPLE.COM:8089", "shop.example.com." })
            Assert.Equal((200, KeyAuthorization), await GetAsync(responder, Token, host));
        // Any other Host, or none: 404, as for an unknown token.
        foreach (var host in new[] { "other.example.com", "example.com", "shop.example.com.evil.test", "10.0.0.1:80", "" })
            Assert.Equal((404, ""), await GetAsync(responder, Token, host));

        var management = silo.Grains.GetGrain<IManagementGrain>(0);
        var activationsBefore = await ActivationsAsync(management);
        var (readsBefore, fetchesBefore) = (storage.Reads, tokens.Fetches);
        var elapsed = Stopwatch.StartNew();
        var notFound = 0;
        for (var i = 0; i < 10_000; i++)
        {
            var stranger = Base64Url(RandomNumberGenerator.GetBytes(32));
            if ((await GetAsync(responder, stranger, "shop.example.com")).Status == 404)
                notFound++;
        }
        elapsed.Stop();
        var activations = await ActivationsAsync(management) - activationsBefore;
        var reads = storage.Reads - readsBefore;
        var fetches = tokens.Fetches - fetchesBefore;
        Console.WriteLine($"10,000 random tokens: {notFound} answered 404 in {elapsed.ElapsedMilliseconds} ms; " +
                          $"grain activations {activations}, storage reads {reads}, fetches of the token list {fetches}");
        Assert.Equal(10_000, notFound);
        Assert.Equal(0, activations);
        Assert.Equal(0, reads);
        // A fetch at most once a second, not one per stranger.
        Assert.InRange(fetches, 0, (int)elapsed.Elapsed.TotalSeconds + 1);

        // A token presented after this silo's last fetch is served once the Challenge's propagation delay has passed,
        // which is what the Challenge waits before asking the CA to validate.
        await directory.PresentAsync("later-token", "later-token.thumbprint", "later.example.com");
        await Task.Delay(Http01Tokens.PropagationDelay);
        Assert.Equal((200, "later-token.thumbprint"), await GetAsync(responder, "later-token", "later.example.com"));

        // Removed tokens are forgotten once the copy is fetched again.
        await directory.RemoveAsync(Token);
        // Past the refresh interval with a margin: a timer may fire a little before the clock reads a full interval.
        await Task.Delay(Http01Tokens.PropagationDelay);
        Assert.Equal((404, ""), await GetAsync(responder, "unknown-after-removal", "shop.example.com"));
        Assert.Equal((404, ""), await GetAsync(responder, Token, "shop.example.com"));
    }

    private static async Task<(int Status, string Body)> GetAsync(Http01Responder responder, string token, string host)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = Http01Responder.PathPrefix + token;
        if (host.Length > 0)
            context.Request.Host = new HostString(host);
        using var body = new MemoryStream();
        context.Response.Body = body;
        await responder.RespondAsync(context);
        return (context.Response.StatusCode, System.Text.Encoding.UTF8.GetString(body.ToArray()));
    }

    private static async Task<int> ActivationsAsync(IManagementGrain management) =>
        (await management.GetSimpleGrainStatistics()).Sum(s => s.ActivationCount);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Grain storage that counts reads (a grain activating with state reads it once).</summary>
    private sealed class ReadCountingStorage : IGrainStorage
    {
        private IGrainStorage _inner = null!;
        private int _reads;

        public int Reads => Volatile.Read(ref _reads);

        public ReadCountingStorage Over(IGrainStorage inner)
        {
            _inner = inner;
            return this;
        }

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            Interlocked.Increment(ref _reads);
            return _inner.ReadStateAsync(stateName, grainId, grainState);
        }

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => _inner.WriteStateAsync(stateName, grainId, grainState);

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => _inner.ClearStateAsync(stateName, grainId, grainState);
    }
}
