using CertFleet.Grains.State;
using CertFleet.Interfaces.Fleet;
using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains.Fleet;

/// <summary>Lists the identifier sets held by more than one Certificate (key <c>duplicates</c>) for the fleet CLI.</summary>
[GrainType("duplicatesetdirectory")]
public sealed class DuplicateSetDirectoryGrain(
    [PersistentState("duplicatesetdirectory", "certfleet")] IPersistentState<DuplicateSetDirectoryState> store) : Grain, IDuplicateSetDirectoryGrain
{
    public async Task SetAsync(string identifierSetKey, bool duplicated)
    {
        var changed = duplicated ? store.State.Sets.Add(identifierSetKey) : store.State.Sets.Remove(identifierSetKey);
        if (changed)
            await store.WriteStateAsync();
    }

    public async Task<IReadOnlyList<FleetDuplicateSet>> ListAsync()
    {
        var keys = store.State.Sets.Order(StringComparer.Ordinal).ToList();
        var holders = await Task.WhenAll(keys.Select(key => GrainFactory.GetGrain<IIdentifierSetGrain>(key).GetHoldersAsync()));
        return [.. keys.Zip(holders, (key, held) => new FleetDuplicateSet(key, held)).Where(set => set.Holders.Count > 1)];
    }
}
