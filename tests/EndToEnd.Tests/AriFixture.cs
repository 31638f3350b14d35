using CertFleet.TestSupport;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// Pebble behind two <see cref="AriResponder"/>s: one advertising ARI and profiles (windows a month out by default,
/// Retry-After 1 s, obeyed every 2 s by the silo), one a plain proxy that advertises neither.
/// </summary>
public sealed class AriFixture : PebbleControllerFixture
{
    /// <summary>Where the default window starts and ends, fixed for the whole run so tests can assert against it.</summary>
    public DateTimeOffset DefaultWindowStart { get; } = WholeSeconds(DateTimeOffset.UtcNow.AddDays(30));

    public DateTimeOffset DefaultWindowEnd => DefaultWindowStart.AddDays(1);

    public AriResponder Ari { get; private set; } = null!;

    public AriResponder Plain { get; private set; } = null!;

    protected override PebbleOptions Options => new() { HttpChallengePort = SolverPort, AuthorizationReusePercent = 0 };

    protected override async Task BeforeSiloAsync()
    {
        await base.BeforeSiloAsync();
        Ari = await AriResponder.StartAsync(Pebble);
        Ari.RetryAfter = TimeSpan.FromSeconds(1);
        Ari.DefaultWindow = _ => (DefaultWindowStart, DefaultWindowEnd);
        Plain = await AriResponder.StartAsync(Pebble, advertise: false);
    }

    protected override IReadOnlyDictionary<string, string> SiloSettings => new Dictionary<string, string>(base.SiloSettings)
    {
        ["CertFleet__Renewal__AriMinimumRecheck"] = "00:00:02",
    };

    /// <summary>A ClusterIssuer like <see cref="PebbleControllerFixture.ClusterIssuer"/> whose server is <paramref name="responder"/>.</summary>
    public string ClusterIssuerVia(AriResponder responder, string name, params string[] acmeFields) =>
        ClusterIssuer(name, acmeFields).Replace($"server: {Pebble.DirectoryUrl}", $"server: {responder.DirectoryUrl}", StringComparison.Ordinal);

    private static DateTimeOffset WholeSeconds(DateTimeOffset time) => new(time.UtcTicks - time.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    protected override async ValueTask DisposeExtrasAsync()
    {
        if (Ari is not null)
            await Ari.DisposeAsync();
        if (Plain is not null)
            await Plain.DisposeAsync();
        await base.DisposeExtrasAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class AriCollection : ICollectionFixture<AriFixture>
{
    public const string Name = "acme-ari";
}
