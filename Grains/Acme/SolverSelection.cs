using CertFleet.Interfaces.Api;

namespace CertFleet.Grains.Acme;

/// <summary>
/// cert-manager's solver choice for one authorization (§1.6): only solvers whose type the authorization offers
/// (wildcards: DNS-01 only; IP identifiers: HTTP-01 only) and that spec.dnsPolicy allows; every part of a selector
/// must match; then a dnsNames match beats none, then the longest matching dnsZone, then the most matchLabels; a
/// solver without selector matches everything at the lowest priority; ties go to the earlier solver.
/// </summary>
public static class SolverSelection
{
    public static AcmeChallengeSolver? Select(IReadOnlyList<AcmeChallengeSolver> solvers, string identifier, bool wildcard,
        IReadOnlyDictionary<string, string> orderLabels, string? dnsPolicy, bool ipIdentifier = false)
    {
        var domain = wildcard ? $"*.{identifier}" : identifier;
        AcmeChallengeSolver? best = null;
        var bestScore = (DnsName: -1, Zone: -1, Labels: -1, Selector: -1);
        foreach (var solver in solvers)
        {
            if (!Offered(solver, wildcard, ipIdentifier, dnsPolicy) || Score(solver.Selector, domain, orderLabels) is not { } score)
                continue;
            if (best is null || score.CompareTo(bestScore) > 0)
            {
                best = solver;
                bestScore = score;
            }
        }
        return best;
    }

    public static string TypeOf(AcmeChallengeSolver solver) => solver.Http01 is not null ? ChallengeTypes.Http01 : ChallengeTypes.Dns01;

    private static bool Offered(AcmeChallengeSolver solver, bool wildcard, bool ipIdentifier, string? dnsPolicy) =>
        (solver.Http01 is not null && !wildcard && dnsPolicy != DnsPolicies.Dns01)
        || (solver.Dns01 is not null && !ipIdentifier && dnsPolicy != DnsPolicies.Http01);

    /// <summary>Null when the selector rules the solver out; otherwise its precedence, compared field by field.</summary>
    private static (int DnsName, int Zone, int Labels, int Selector)? Score(AcmeSolverSelector? selector, string domain,
        IReadOnlyDictionary<string, string> labels)
    {
        if (selector is null)
            return (0, -1, 0, 0);
        var matchLabels = selector.MatchLabels ?? [];
        if (!matchLabels.All(l => labels.TryGetValue(l.Key, out var v) && v == l.Value))
            return null;
        var dnsNameMatch = 0;
        if (selector.DnsNames is { Count: > 0 } names)
        {
            if (!names.Contains(domain, StringComparer.OrdinalIgnoreCase)) return null;
            dnsNameMatch = 1;
        }
        var zoneLabels = -1;
        if (selector.DnsZones is { Count: > 0 } zones)
        {
            var longest = zones.Where(z => domain.Equals(z, StringComparison.OrdinalIgnoreCase)
                                           || domain.EndsWith("." + z, StringComparison.OrdinalIgnoreCase))
                .Select(z => z.Split('.').Length).DefaultIfEmpty(-1).Max();
            if (longest < 0) return null;
            zoneLabels = longest;
        }
        return (dnsNameMatch, zoneLabels, matchLabels.Count, 1);
    }
}
