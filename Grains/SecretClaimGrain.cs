using CertFleet.Grains.State;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Fleet;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;

namespace CertFleet.Grains;

/// <summary>
/// Arbitrates one Secret name: the first Certificate to claim it owns it, later ones wait and are woken in order when
/// it is released. Also fans Secret changes out to the owner, to issuers that read the Secret, and to the
/// FleetCertificate whose copy it is.
/// </summary>
[GrainType("secretclaim")]
public sealed class SecretClaimGrain(
    [PersistentState("secretclaim", "certfleet")] IPersistentState<SecretClaimState> store) : Grain, ISecretClaimGrain
{
    private ObjectKey Key => ObjectKey.FromGrainKey(this.GetPrimaryKeyString());

    public async Task DetachAsync()
    {
        await store.ClearStateAsync();
        DeactivateOnIdle();
    }

    public async Task<string> ClaimAsync(string certificateName)
    {
        var state = store.State;
        if (state.Owner is null)
        {
            state.Owner = certificateName;
            state.Waiting.Remove(certificateName);
            await store.WriteStateAsync();
        }
        else if (state.Owner != certificateName && !state.Waiting.Contains(certificateName))
        {
            state.Waiting.Add(certificateName);
            await store.WriteStateAsync();
        }
        return state.Owner;
    }

    public async Task ReleaseAsync(string certificateName)
    {
        var state = store.State;
        if (state.Owner == certificateName)
        {
            state.Owner = state.Waiting.FirstOrDefault();
            if (state.Owner is not null)
                state.Waiting.RemoveAt(0);
            await store.WriteStateAsync();
            if (state.Owner is { } next)
                await CertificateGrain(next).WakeAsync();
        }
        else if (state.Waiting.Remove(certificateName))
        {
            await store.WriteStateAsync();
        }
    }

    public async Task SubscribeAsync(ObjectKey issuer)
    {
        if (store.State.Issuers.Add(issuer))
            await store.WriteStateAsync();
    }

    public async Task SubscribeFleetCertificateAsync(string fleetCertificate)
    {
        if (store.State.FleetCertificates.Add(fleetCertificate))
            await store.WriteStateAsync();
    }

    public async Task UnsubscribeFleetCertificateAsync(string fleetCertificate)
    {
        if (store.State.FleetCertificates.Remove(fleetCertificate))
            await store.WriteStateAsync();
    }

    public async Task ChangedAsync(SecretMetadata? secret)
    {
        var state = store.State;
        var notifications = new List<Task>();
        if (state.Owner is { } owner)
            notifications.Add(CertificateGrain(owner).SecretChangedAsync(secret));
        notifications.AddRange(state.Issuers.Select(i => GrainFactory.GetGrain<IIssuerGrain>(i.ToGrainKey()).SecretChangedAsync()));
        // A deleted copy arrives here (a deletion carries no labels to route it by), so its FleetCertificate restores it.
        notifications.AddRange(state.FleetCertificates.Select(name => GrainFactory.GetGrain<IFleetCertificateGrain>(name).CopyChangedAsync(Key, secret)));
        await Task.WhenAll(notifications);
    }

    private ICertificateGrain CertificateGrain(string name) =>
        GrainFactory.GetGrain<ICertificateGrain>(Key.WithName(name).ToGrainKey());
}
