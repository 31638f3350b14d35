namespace CertFleet.Bridge.Tests.Infrastructure;

/// <summary>A test with its own emulator: faults and watch history are per server, so tests cannot disturb each other.</summary>
public abstract class EmulatorTest : IAsyncLifetime
{
    protected BridgeEmulator Api { get; private set; } = null!;

    public virtual async Task InitializeAsync() => Api = await BridgeEmulator.StartAsync();

    public virtual async Task DisposeAsync() => await Api.DisposeAsync();
}
