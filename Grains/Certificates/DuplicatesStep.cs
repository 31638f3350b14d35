using CertFleet.Grains.RateLimits;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;

namespace CertFleet.Grains.Certificates;

/// <summary>
/// Duplicate detection: records this Certificate under its ACME server and identifier set, leaving the set it held
/// before; the other holders are told in a Warning Event and in the Ready message.
/// </summary>
public static class DuplicatesStep
{
    /// <summary>
    /// Asks the issuer and the identifier set only when the request-shaping fields changed since the set was worked
    /// out, when the pass has asked the issuer anyway (its ACME server may have changed), or when this Certificate was
    /// woken (the set wakes its holders when they change).
    /// </summary>
    public static async Task TrackAsync(CertificatePass pass, IssuedFor wanted)
    {
        var state = pass.State;
        var trackedFor = TrackedFor(wanted);
        var changed = state.IdentifierSetFor != trackedFor;
        if (!changed && !pass.AskedIssuer && !pass.Memory.Woken)
            return;
        pass.Memory.Woken = false;
        var acme = (await pass.IssuerAsync())?.Acme;
        var key = acme is null
            ? null
            : RateLimitKeys.IdentifierSet(RateLimitKeys.Host(acme.Spec.Server), RateLimitKeys.Normalize(BudgetsStep.OrderIdentifiers(wanted)));
        if (state.IdentifierSetKey is { } held && held != key)
        {
            await pass.Actions.DropIdentifierSetAsync(held);
            state.IdentifierSetKey = null;
        }
        List<ObjectKey> others = key is null ? [] : [.. await pass.Actions.HoldIdentifierSetAsync(key)];
        state.IdentifierSetFor = trackedFor;
        // Only what the set was worked out for changed: saved with the pass's next state write, which every pass that
        // goes on to issue or record makes; lost in a crash before it, the set is only worked out once more.
        if (key == state.IdentifierSetKey && others.SequenceEqual(state.Duplicates))
            return;
        var added = others.Except(state.Duplicates).ToList();
        state.IdentifierSetKey = key;
        state.Duplicates = others;
        await pass.Actions.SaveStateAsync();
        if (added.Count > 0)
            pass.Actions.RecordEvent(EventRecord.Warning, CertFleetReasons.DuplicateCertificate,
                $"{Note(pass)}; every issuance spends the CA's per-identifier-set limit once for each: keep one Certificate (Secrets can be copied or shared) or change spec.dnsNames");
    }

    /// <summary>What the identifier set depends on besides the issuer's ACME server: the issuerRef and the order's identifiers.</summary>
    public static string TrackedFor(IssuedFor wanted) =>
        $"{wanted.IssuerKind}.{wanted.IssuerGroup}/{wanted.IssuerName} {string.Join(",", RateLimitKeys.Normalize(BudgetsStep.OrderIdentifiers(wanted)))}";

    /// <summary>Clusters named in a note; more are counted ("and 3 more"), so a large fleet keeps the note short.</summary>
    private const int NamedClusters = 5;

    /// <summary>
    /// Names the other holders in this namespace of this cluster only: whoever reads this Certificate's status or Events
    /// may see its own namespace, not others, so Certificates of other namespaces are only counted, and those of other
    /// member clusters counted with the clusters' names (the fleet CLI, for fleet operators, names the objects).
    /// </summary>
    public static string Note(CertificatePass pass)
    {
        var duplicates = pass.State.Duplicates;
        var here = pass.Key.Cluster;
        var parts = duplicates.Where(d => d.Cluster == here && d.Namespace == pass.Key.Namespace)
            .Select(d => $"Certificate \"{d.Name}\"").ToList();
        var otherNamespaces = duplicates.Count(d => d.Cluster == here && d.Namespace != pass.Key.Namespace);
        if (otherNamespaces > 0)
            parts.Add(otherNamespaces == 1 ? "1 Certificate in another namespace" : $"{otherNamespaces} Certificates in other namespaces");
        var elsewhere = duplicates.Where(d => d.Cluster != here).ToList();
        if (elsewhere.Count > 0)
        {
            var clusters = elsewhere.Select(d => d.Cluster).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var named = clusters.Take(NamedClusters).ToList();
            if (clusters.Count > named.Count)
                named.Add($"{clusters.Count - named.Count} more");
            parts.Add($"{elsewhere.Count} {(elsewhere.Count == 1 ? "Certificate" : "Certificates")} in " +
                      $"{(clusters.Count == 1 ? "cluster" : "clusters")} {Enumerate(named)}");
        }
        return $"duplicate: {Enumerate(parts)} {(duplicates.Count == 1 ? "asks" : "ask")} the same ACME server for the same identifiers";
    }

    /// <summary>"a", "a and b", "a, b and c".</summary>
    private static string Enumerate(IReadOnlyList<string> items) =>
        items.Count <= 1 ? string.Concat(items) : $"{string.Join(", ", items.Take(items.Count - 1))} and {items[^1]}";
}
