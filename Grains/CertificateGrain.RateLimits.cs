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
    /// Consults the budgets before a key and a request are made for an order; nothing is taken here (the Order takes
    /// the new-order token right before newOrder, and certificate tokens are spent when the CA issues). False when the
    /// Certificate must wait: the status says for which budget and until when, an Event says so once, and the
    /// reminder is due when the budget reopens.
    /// </summary>
    private async Task<bool> CheckBudgetsAsync(IssuanceProgress issuance)
    {
        if (await IssuerGrainFor(Object.Spec.IssuerRef).GetAcmeContextAsync() is not { } acme)
            return true; // not ACME: no CA limits to respect
        var order = new RateLimitBudgets.Order(acme.Spec.Server, acme.AccountUrl, [.. OrderIdentifiers(issuance.For)], IsRenewal(issuance.For));
        if (await budgets.CheckAsync(GrainFactory, order) is not { } wait)
        {
            var waited = State.RateLimitWait is not null;
            State.RateLimitWait = null;
            // Saved with the next key's or the CertificateRequest's record, which always follows.
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
    /// holders are told in a Warning Event and in the Ready message (see <see cref="DuplicateNote"/>).
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

    /// <summary>
    /// Names the other holders in this namespace only: whoever reads this Certificate's status or Events may see its
    /// own namespace, not others, so Certificates of other namespaces (or clusters) are only counted.
    /// </summary>
    private string DuplicateNote()
    {
        var parts = State.Duplicates.Where(d => d.Cluster == _key.Cluster && d.Namespace == _key.Namespace)
            .Select(d => $"Certificate \"{d.Name}\"").ToList();
        var elsewhere = State.Duplicates.Count - parts.Count;
        if (elsewhere > 0)
            parts.Add(elsewhere == 1 ? "1 Certificate in another namespace" : $"{elsewhere} Certificates in other namespaces");
        return $"duplicate: {string.Join(" and ", parts)} {(State.Duplicates.Count == 1 ? "asks" : "ask")} the same ACME server for the same identifiers";
    }

    /// <summary>
    /// An earlier version reserved every budget before ordering and recorded the reservation here; it is given back
    /// once (tokens are now taken by the Order and at issuance), keeping the new-order token when the order went out.
    /// </summary>
    private async Task ReleaseRecordedReservationAsync(IssuanceProgress issuance)
    {
        if (issuance.Budgets is not { } reserved)
            return;
        await budgets.ReleaseAsync(GrainFactory, reserved, orderPlaced: issuance.RequestName is not null);
        issuance.Budgets = null;
        await store.WriteStateAsync();
    }

    /// <summary>A renewal asks for exactly the identifiers already issued; its CertificateRequest says so to the Order's budgets.</summary>
    private void MarkRenewal(IssuanceProgress issuance, Dictionary<string, string> annotations)
    {
        if (IsRenewal(issuance.For))
            annotations[CertificateRequestGrain.RenewalAnnotation] = "true";
    }

    /// <summary>The identifiers the Order will ask for: DNS names, IP addresses and the common name.</summary>
    private static IEnumerable<string> OrderIdentifiers(IssuedFor wanted) =>
        wanted.DnsNames.Concat(wanted.IpAddresses).Concat(wanted.CommonName is { Length: > 0 } cn ? [cn] : []);

    /// <summary>A renewal asks for exactly the identifiers of the certificate this Certificate already holds.</summary>
    private bool IsRenewal(IssuedFor wanted) =>
        State.Revision is not null && State.IssuedFor is { } issued
        && RateLimitKeys.Normalize(OrderIdentifiers(issued)).SequenceEqual(RateLimitKeys.Normalize(OrderIdentifiers(wanted)));
}
