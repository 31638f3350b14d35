using CertFleet.Grains.State;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains.RateLimits;

/// <summary>
/// Records which Certificates (of any cluster and namespace) ask one ACME server for one identifier set (key
/// <c>acme-host/identifier-set</c>). When the holders change, the others are woken to update their duplicate note.
/// </summary>
[GrainType("identifierset")]
public sealed class IdentifierSetGrain(
    [PersistentState("identifierset", "certfleet")] IPersistentState<IdentifierSetState> store) : Grain, IIdentifierSetGrain
{
    public async Task<IReadOnlyList<ObjectKey>> HoldAsync(ObjectKey certificate)
    {
        var holders = store.State.Holders;
        if (!holders.Contains(certificate))
        {
            holders.Add(certificate);
            await store.WriteStateAsync();
            Wake(holders.Where(h => h != certificate));
        }
        return [.. holders.Where(h => h != certificate)];
    }

    public async Task DropAsync(ObjectKey certificate)
    {
        if (!store.State.Holders.Remove(certificate))
            return;
        if (store.State.Holders.Count == 0)
        {
            await store.ClearStateAsync();
            DeactivateOnIdle();
            return;
        }
        await store.WriteStateAsync();
        Wake(store.State.Holders);
    }

    /// <summary>Not awaited: a holder may be calling this grain right now, and waiting on it would deadlock both.</summary>
    private void Wake(IEnumerable<ObjectKey> holders)
    {
        foreach (var holder in holders.ToList())
            GrainFactory.GetGrain<ICertificateGrain>(holder.ToGrainKey()).WakeAsync().Ignore();
    }
}
