using CertFleet.Grains.State;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains.RateLimits;

/// <summary>
/// Records which Certificates (of any cluster and namespace) ask one ACME server for one identifier set (key
/// <c>acme-host/identifier-set</c>). When the holders change, the others are woken to update their duplicate note, and
/// the duplicate-set directory learns whether the set has more than one holder (the fleet CLI lists those).
/// </summary>
[GrainType("identifierset")]
public sealed class IdentifierSetGrain(
    [PersistentState("identifierset", "certfleet")] IPersistentState<IdentifierSetState> store) : Grain, IIdentifierSetGrain
{
    // Whether this activation told the directory the set is duplicated: once per activation, not once per pass.
    private bool _listedAsDuplicate;

    public async Task<IReadOnlyList<ObjectKey>> HoldAsync(ObjectKey certificate)
    {
        var holders = store.State.Holders;
        if (!holders.Contains(certificate))
        {
            holders.Add(certificate);
            await store.WriteStateAsync();
            Wake(holders.Where(h => h != certificate));
        }
        if (holders.Count > 1 && !_listedAsDuplicate)
        {
            await Directory.SetAsync(this.GetPrimaryKeyString(), duplicated: true);
            _listedAsDuplicate = true;
        }
        return [.. holders.Where(h => h != certificate)];
    }

    public async Task DropAsync(ObjectKey certificate)
    {
        if (!store.State.Holders.Remove(certificate))
            return;
        if (store.State.Holders.Count == 1)
        {
            await Directory.SetAsync(this.GetPrimaryKeyString(), duplicated: false);
            _listedAsDuplicate = false;
        }
        if (store.State.Holders.Count == 0)
        {
            await store.ClearStateAsync();
            DeactivateOnIdle();
            return;
        }
        await store.WriteStateAsync();
        Wake(store.State.Holders);
    }

    public Task<IReadOnlyList<ObjectKey>> GetHoldersAsync() => Task.FromResult<IReadOnlyList<ObjectKey>>([.. store.State.Holders]);

    private IDuplicateSetDirectoryGrain Directory => GrainFactory.GetGrain<IDuplicateSetDirectoryGrain>(IDuplicateSetDirectoryGrain.SingletonKey);

    /// <summary>Not awaited: a holder may be calling this grain right now, and waiting on it would deadlock both.</summary>
    private void Wake(IEnumerable<ObjectKey> holders)
    {
        foreach (var holder in holders.ToList())
            GrainFactory.GetGrain<ICertificateGrain>(holder.ToGrainKey()).WakeAsync().Ignore();
    }
}
