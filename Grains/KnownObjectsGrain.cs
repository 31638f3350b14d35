using CertFleet.Grains.State;
using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains;

/// <summary>
/// One shard of a watched resource's known objects (key <c>cluster/resource/shard</c>). The leader's bridge sends
/// batches of changes; each batch is one storage write of this shard only.
/// </summary>
[GrainType("knownobjects")]
public sealed class KnownObjectsGrain(
    [PersistentState("knownobjects", "certfleet")] IPersistentState<KnownObjectsState> store) : Grain, IKnownObjectsGrain
{
    public Task<IReadOnlyDictionary<string, string>> ListAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>(store.State.Uids));

    public async Task DetachAsync()
    {
        await store.ClearStateAsync();
        DeactivateOnIdle();
    }

    public async Task ApplyAsync(IReadOnlyDictionary<string, string?> changes)
    {
        var uids = store.State.Uids;
        var changed = false;
        foreach (var (id, uid) in changes)
        {
            if (uid is null)
                changed |= uids.Remove(id);
            else if (!uids.TryGetValue(id, out var known) || known != uid)
            {
                uids[id] = uid;
                changed = true;
            }
        }
        if (!changed)
            return;
        if (uids.Count == 0)
            await store.ClearStateAsync();
        else
            await store.WriteStateAsync();
    }
}
