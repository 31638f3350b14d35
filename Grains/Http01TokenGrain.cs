using CertFleet.Grains.State;
using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains;

/// <summary>
/// The key authorization for one HTTP-01 token. Persisted, so a responder on any silo answers even after this grain
/// moved or its silo restarted while the CA was validating.
/// </summary>
[GrainType("http01token")]
public sealed class Http01TokenGrain(
    [PersistentState("http01token", "certfleet")] IPersistentState<Http01TokenState> store) : Grain, IHttp01TokenGrain
{
    public async Task PresentAsync(string keyAuthorization)
    {
        if (store.State.KeyAuthorization == keyAuthorization) return;
        store.State.KeyAuthorization = keyAuthorization;
        await store.WriteStateAsync();
    }

    public async Task CleanUpAsync()
    {
        await store.ClearStateAsync();
        DeactivateOnIdle();
    }

    public Task<string?> GetAsync() => Task.FromResult(store.State.KeyAuthorization);
}
