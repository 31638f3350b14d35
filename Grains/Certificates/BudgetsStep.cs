using CertFleet.Grains.RateLimits;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;

namespace CertFleet.Grains.Certificates;

/// <summary>The Certificate's side of the ACME rate-limit budgets.</summary>
public static class BudgetsStep
{
    /// <summary>
    /// Consults the budgets before a key and a request are made for an order; nothing is taken here (the Order takes
    /// the new-order token right before newOrder, and certificate tokens are spent when the CA issues). False when the
    /// Certificate must wait: the status says for which budget and until when, an Event says so once, and the
    /// reminder is due when the budget reopens.
    /// </summary>
    public static async Task<bool> AllowOrderAsync(CertificatePass pass, IssuanceProgress issuance)
    {
        if ((await pass.IssuerAsync())?.Acme is not { } acme)
            return true; // not ACME: no CA limits to respect
        var state = pass.State;
        // An ARI renewal (the order will carry "replaces") is exempt from the CA's limits; only a Retry-After holds it.
        var order = new RateLimitBudgets.Order(acme.Spec.Server, acme.AccountUrl, [.. OrderIdentifiers(issuance.For)], IsRenewal(state, issuance.For),
            Replaces: issuance.Replaces is not null);
        if (await pass.Actions.CheckBudgetsAsync(order) is not { } wait)
        {
            var waited = state.RateLimitWait is not null;
            state.RateLimitWait = null;
            // Saved with the next key's or the CertificateRequest's record, which always follows.
            if (waited)
            {
                // The wait is over: the conditions go back to why this issuance started.
                var readyNow = ReadinessStep.CurrentReady(pass);
                await ReadinessStep.WriteAsync(pass,
                    readyNow is { Reason: not CertFleetReasons.RateLimited } ? readyNow : ReadinessStep.Ready(pass, new(issuance.Reason, issuance.Message)),
                    ReadinessStep.Issuing(pass, issuance.Reason, issuance.Message));
            }
            return true;
        }

        var firstTime = state.RateLimitWait is not { } previous || previous.Limit != wait.Limit || previous.Key != wait.Key;
        state.RateLimitWait = wait;
        await pass.Actions.SaveStateAsync();
        var message = RateLimitBudgets.Describe(wait);
        if (firstTime)
            pass.Actions.RecordEvent(EventRecord.Warning, CertFleetReasons.RateLimited, message);
        // A certificate still valid stays Ready; otherwise Ready says why nothing is being issued.
        var ready = ReadinessStep.CurrentReady(pass) is { Status: ConditionStatus.True } current
            ? current
            : ReadinessStep.Ready(pass, new(CertFleetReasons.RateLimited, message));
        await ReadinessStep.WriteAsync(pass, ready, ReadinessStep.Issuing(pass, CertFleetReasons.RateLimited, message));
        await pass.Actions.WakeAtAsync(wait.ReopensAt, CertificatePass.ActivePeriod);
        return false;
    }

    /// <summary>
    /// An earlier version reserved every budget before ordering and recorded the reservation here; it is given back
    /// once (tokens are now taken by the Order and at issuance), keeping the new-order token when the order went out.
    /// </summary>
    public static async Task ReleaseRecordedReservationAsync(CertificatePass pass, IssuanceProgress issuance)
    {
        if (issuance.Budgets is not { } reserved)
            return;
        await pass.Actions.ReleaseReservationAsync(reserved, orderPlaced: issuance.RequestName is not null);
        issuance.Budgets = null;
        await pass.Actions.SaveStateAsync();
    }

    /// <summary>The identifiers the Order will ask for: DNS names, IP addresses and the common name.</summary>
    public static IEnumerable<string> OrderIdentifiers(IssuedFor wanted) =>
        wanted.DnsNames.Concat(wanted.IpAddresses).Concat(wanted.CommonName is { Length: > 0 } cn ? [cn] : []);

    /// <summary>A renewal asks for exactly the identifiers of the certificate this Certificate already holds.</summary>
    public static bool IsRenewal(CertificateState state, IssuedFor wanted) =>
        state.Revision is not null && state.IssuedFor is { } issued
        && RateLimitKeys.Normalize(OrderIdentifiers(issued)).SequenceEqual(RateLimitKeys.Normalize(OrderIdentifiers(wanted)));
}
