using CertFleet.Grains.Issuance;
using CertFleet.Grains.RateLimits;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;

namespace CertFleet.Grains;

/// <summary>The Certificate's side of the ACME rate-limit budgets and of duplicate detection.</summary>
public sealed partial class CertificateGrain
{
    /// <summary>
    /// Consults the budgets before anything is ordered. False when the Certificate must wait: the status says for
    /// which budget and until when, an Event says so once, and the reminder is due when the budget reopens.
    /// </summary>
    private async Task<bool> ReserveBudgetsAsync(IssuanceProgress issuance)
    {
        if (await IssuerGrainFor(Object.Spec.IssuerRef).GetAcmeContextAsync() is not { } acme)
            return true; // not ACME: no CA limits to respect
        var order = new RateLimitBudgets.Order(acme.Spec.Server, acme.AccountUrl, [.. OrderIdentifiers(issuance.For)], IsRenewal(issuance.For));
        var (reservation, wait) = await budgets.ReserveAsync(GrainFactory, order, $"{_key.ToGrainKey()}#{issuance.Revision}");
        if (wait is null)
        {
            var waited = State.RateLimitWait is not null;
            issuance.Budgets = reservation;
            State.RateLimitWait = null;
            // Saved with the next key's or the CertificateRequest's record, which always follows: a crash before it
            // reserves again under the same holder, which the budget grain treats as the same reservation.
            if (waited)
            {
                // The wait is over: the conditions go back to why this issuance started.
                var readyNow = ConditionList.Find(CurrentStatus()?.Conditions, ConditionTypes.Ready);
                await WriteStatusAsync(readyNow is { Reason: not CertFleetReasons.RateLimited } ? readyNow : ReadyCondition(new(issuance.Reason, issuance.Message)),
                    IssuingCondition(issuance.Reason, issuance.Message));
            }
            return true;
        }

        var firstTime = State.RateLimitWait is not { } previous || previous.Limit != wait.Limit || previous.Key != wait.Key;
        State.RateLimitWait = wait;
        await store.WriteStateAsync();
        var message = RateLimitBudgets.Describe(wait);
        if (firstTime)
            RecordEvent(EventRecord.Warning, CertFleetReasons.RateLimited, message);
        // A certificate still valid stays Ready; otherwise Ready says why nothing is being issued.
        var ready = ConditionList.Find(CurrentStatus()?.Conditions, ConditionTypes.Ready) is { Status: ConditionStatus.True } current
            ? current
            : ReadyCondition(new(CertFleetReasons.RateLimited, message));
        await WriteStatusAsync(ready, IssuingCondition(CertFleetReasons.RateLimited, message));
        await EnsureReminderAsync(wait.ReopensAt, ActivePeriod);
        return false;
    }

    /// <summary>
    /// Records this Certificate under its ACME server and identifier set, leaving the set it held before; the other
    /// holders are named in a Warning Event and in the Ready message.
    /// </summary>
    private async Task TrackIdentifierSetAsync(IssuedFor wanted)
    {
        var acme = await IssuerGrainFor(Object.Spec.IssuerRef).GetAcmeContextAsync();
        var key = acme is null
            ? null
            : RateLimitKeys.IdentifierSet(RateLimitKeys.Host(acme.Spec.Server), RateLimitKeys.Normalize(OrderIdentifiers(wanted)));
        if (State.IdentifierSetKey is { } held && held != key)
        {
            await GrainFactory.GetGrain<IIdentifierSetGrain>(held).DropAsync(_key);
            State.IdentifierSetKey = null;
        }
        List<ObjectKey> others = key is null ? [] : [.. await GrainFactory.GetGrain<IIdentifierSetGrain>(key).HoldAsync(_key)];
        if (key == State.IdentifierSetKey && others.SequenceEqual(State.Duplicates))
            return;
        var added = others.Except(State.Duplicates).ToList();
        State.IdentifierSetKey = key;
        State.Duplicates = others;
        await store.WriteStateAsync();
        if (added.Count > 0)
            RecordEvent(EventRecord.Warning, CertFleetReasons.DuplicateCertificate,
                $"{DuplicateNote()}; every issuance spends the CA's per-identifier-set limit once for each: keep one Certificate (Secrets can be copied or shared) or change spec.dnsNames");
    }

    private string DuplicateNote() =>
        $"duplicate: {string.Join(", ", State.Duplicates.Select(d => $"Certificate {d.ToGrainKey()}"))} asks the same ACME server for the same identifiers";

    /// <summary>The identifiers the Order will ask for: DNS names, IP addresses and the common name.</summary>
    private static IEnumerable<string> OrderIdentifiers(IssuedFor wanted) =>
        wanted.DnsNames.Concat(wanted.IpAddresses).Concat(wanted.CommonName is { Length: > 0 } cn ? [cn] : []);

    /// <summary>A renewal asks for exactly the identifiers of the certificate this Certificate already holds.</summary>
    private bool IsRenewal(IssuedFor wanted) =>
        State.Revision is not null && State.IssuedFor is { } issued
        && RateLimitKeys.Normalize(OrderIdentifiers(issued)).SequenceEqual(RateLimitKeys.Normalize(OrderIdentifiers(wanted)));
}
