using CertFleet.Grains.Acme;
using CertFleet.Grains.Issuance;
using CertFleet.Grains.Policies;
using CertFleet.Grains.State;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Providers.Acme;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CertFleet.Grains;

/// <summary>
/// Follows the CA's renewal information (RFC 9773) for the certificate in one Certificate's Secret: fetches the
/// suggested window after issuance and again at each Retry-After (a reminder, so restarts keep the rhythm), picks a
/// fixed point inside the window, and tells the Certificate whenever the suggestion changes, e.g. when a revocation
/// moves the window earlier. One fetch per Retry-After per certificate, however often it is asked.
/// </summary>
[GrainType("renewalinfo")]
public sealed class RenewalInfoGrain(
    [PersistentState("renewalinfo", "certfleet")] IPersistentState<RenewalInfoState> store,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock,
    AcmeClients clients,
    IOptions<IssuanceOptions> options,
    ILogger<RenewalInfoGrain> logger) : Grain, IRenewalInfoGrain, IRemindable
{
    private const string ReminderName = "recheck";
    private static readonly TimeSpan MinimumReminderPeriod = TimeSpan.FromMinutes(1);

    private RenewalInfoState State => store.State;

    public async Task<RenewalSuggestion> TrackAsync(AcmeIssuerContext issuer, TrackedCertificate certificate)
    {
        if (State.SerialHex == certificate.SerialHex && State.Suggestion is { NextCheck: { } next } cached && clock.GetUtcNow() < next)
            return cached;
        State.Issuer = issuer;
        State.SerialHex = certificate.SerialHex;
        State.NotAfter = certificate.NotAfter;
        State.CertId = certificate.CertId;
        State.Suggestion = certificate.CertId is null
            ? new RenewalSuggestion { SerialHex = certificate.SerialHex, LastError = $"ARI does not apply: {certificate.CertIdError}" }
            : null;
        return await RefreshAsync();
    }

    public async Task StopAsync()
    {
        await this.UnregisterReminderIfAnyAsync(ReminderName);
        await store.ClearStateAsync();
        DeactivateOnIdle();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (State.Issuer is null)
        {
            await StopAsync();
            return;
        }
        var before = State.Suggestion;
        var after = await RefreshAsync();
        if (!SameAdvice(before, after))
        {
            var certificate = ObjectKey.FromGrainKey(this.GetPrimaryKeyString());
            await GrainFactory.ByKey<ICertificateGrain>(certificate.ToGrainKey()).RenewalInfoChangedAsync(after);
        }
    }

    /// <summary>Asks the CA once, records the answer (or the error, keeping the last window) and sets the next check.</summary>
    private async Task<RenewalSuggestion> RefreshAsync()
    {
        var issuer = State.Issuer!;
        var now = clock.GetUtcNow();
        if (State.CertId is not { } certId || now >= State.NotAfter)
            return await SettleAsync(State.Suggestion ?? new RenewalSuggestion { SerialHex = State.SerialHex! }, recheckAt: null);

        RenewalSuggestion suggestion;
        try
        {
            var client = await clients.ForAccountAsync(issuer.Spec, issuer.AccountKeySecret, issuer.AccountUrl);
            var directory = await client.GetDirectoryAsync();
            if (issuer.Spec.RenewalInformationSource == AcmeRenewalInformationSources.None || directory.RenewalInfo is null)
                // Without ARI there is nothing to replace either: the CertID is not kept.
                return await SettleAsync(new RenewalSuggestion { SerialHex = State.SerialHex! }, recheckAt: null);
            var info = await client.GetRenewalInfoAsync(certId);
            suggestion = new RenewalSuggestion
            {
                SerialHex = State.SerialHex!,
                CertId = certId,
                WindowStart = info.WindowStart,
                WindowEnd = info.WindowEnd,
                ExplanationUrl = info.ExplanationUrl,
                RenewalTime = RenewalPlan.InsideWindow(info.WindowStart, info.WindowEnd, $"{this.GetPrimaryKeyString()}/{certId}"),
                LastChecked = now.ToWholeSeconds(),
                NextCheck = (now + info.RetryAfter).ToWholeSeconds(),
            };
        }
        catch (Exception ex) when (ex is AcmeException or AcmeAccountKeyException or HttpRequestException or TaskCanceledException)
        {
            // Temporary or not, the last window (if any) still holds; ask again after the shortest allowed wait.
            logger.LogInformation("Renewal information for {Certificate}: {Error}", this.GetPrimaryKeyString(), ex.Message);
            suggestion = (State.Suggestion ?? new RenewalSuggestion { SerialHex = State.SerialHex! }) with
            {
                CertId = certId,
                LastChecked = now.ToWholeSeconds(),
                NextCheck = (now + options.Value.AriMinimumRecheck).ToWholeSeconds(),
                LastError = ex.Message,
            };
        }
        return await SettleAsync(suggestion, suggestion.NextCheck);
    }

    private async Task<RenewalSuggestion> SettleAsync(RenewalSuggestion suggestion, DateTimeOffset? recheckAt)
    {
        State.Suggestion = suggestion;
        if (suggestion.CertId is null)
            State.CertId = null;
        await store.WriteStateAsync();
        if (recheckAt is { } at)
        {
            var due = at - clock.GetUtcNow();
            if (due < TimeSpan.Zero) due = TimeSpan.Zero;
            // Each tick re-registers with the next Retry-After; the period only matters if a tick is lost.
            await this.RegisterOrUpdateReminder(ReminderName, due, due > MinimumReminderPeriod ? due : MinimumReminderPeriod);
        }
        else
        {
            await this.UnregisterReminderIfAnyAsync(ReminderName);
        }
        return suggestion;
    }

    /// <summary>Only changes a Certificate acts on are pushed to it, not every check.</summary>
    private static bool SameAdvice(RenewalSuggestion? a, RenewalSuggestion b) =>
        a is not null && a.SerialHex == b.SerialHex && a.CertId == b.CertId && a.WindowStart == b.WindowStart && a.WindowEnd == b.WindowEnd
        && a.RenewalTime == b.RenewalTime && a.ExplanationUrl == b.ExplanationUrl && a.LastError == b.LastError;
}
