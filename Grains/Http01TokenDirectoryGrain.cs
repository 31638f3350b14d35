using CertFleet.Grains.State;
using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains;

/// <summary>
/// The live HTTP-01 tokens of the whole cluster (key <c>live</c>). Persisted, so responders answer after this grain
/// moved or its silo restarted while the CA was validating. It only holds tokens of challenges in flight.
/// </summary>
[GrainType("http01tokens")]
public sealed class Http01TokenDirectoryGrain(
    [PersistentState("http01tokens", "certfleet")] IPersistentState<Http01TokenDirectoryState> store) : Grain, IHttp01TokenDirectoryGrain
{
    /// <summary>Made again only after a change; until then every silo's refresh gets the same one.</summary>
    private Http01TokenSnapshot? _snapshot;

    public async Task PresentAsync(string token, string keyAuthorization, string dnsName)
    {
        var entry = new Http01Token(keyAuthorization, dnsName);
        if (store.State.Tokens.GetValueOrDefault(token) == entry)
            return;
        store.State.Tokens[token] = entry;
        _snapshot = null;
        await store.WriteStateAsync();
    }

    public async Task RemoveAsync(string token)
    {
        if (!store.State.Tokens.Remove(token))
            return;
        _snapshot = null;
        await store.WriteStateAsync();
    }

    public Task<Http01TokenSnapshot> GetAllAsync() =>
        Task.FromResult(_snapshot ??= new Http01TokenSnapshot(new Dictionary<string, Http01Token>(store.State.Tokens, StringComparer.Ordinal)));
}
