using CertFleet.TestSupport;

namespace CertFleet.Providers.Tests.Acme;

/// <summary>One Pebble for the "Pebble" collection: Pebble's default 5 % badNonce rate, no authorization reuse.</summary>
public sealed class PebbleFixture : IAsyncLifetime
{
    public PebbleServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PebbleServer.StartAsync(new PebbleOptions { AuthorizationReusePercent = 0 });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
