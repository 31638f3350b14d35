using CertFleet.Interfaces.Api;

namespace CertFleet.Grains.Acme;

/// <summary>
/// Picks the issuer's solver for one authorization. Wildcards need DNS-01; spec.dnsPolicy (CertFleet's extension)
/// restricts the type; among the rest the first matching selector wins, and a solver without selector matches all.
/// </summary>
public static class SolverSelection
{
    public static AcmeChallengeSolver? Select(IReadOnlyList<AcmeChallengeSolver> solvers, string identifier, bool wildcard,
        IReadOnlyDictionary<string, string> orderLabels, string? dnsPolicy)
    {
        var candidates = solvers.Where(s =>
            (s.Http01 is not null && !wildcard && dnsPolicy != DnsPolicies.Dns01)
            || (s.Dns01 is not null && dnsPolicy != DnsPolicies.Http01));
        var name = wildcard ? $"*.{identifier}" : identifier;
        return candidates.FirstOrDefault(s => s.Selector is { } sel && Matches(sel, name, orderLabels))
               ?? candidates.FirstOrDefault(s => s.Selector is null);
    }

    private static bool Matches(AcmeSolverSelector selector, string name, IReadOnlyDictionary<string, string> labels) =>
        (selector.MatchLabels ?? []).All(l => labels.TryGetValue(l.Key, out var v) && v == l.Value)
        && (selector.DnsNames is not { Count: > 0 } names || names.Contains(name, StringComparer.OrdinalIgnoreCase))
        && (selector.DnsZones is not { Count: > 0 } zones || zones.Any(z =>
            name.Equals(z, StringComparison.OrdinalIgnoreCase) || name.EndsWith("." + z, StringComparison.OrdinalIgnoreCase)));

    public static string TypeOf(AcmeChallengeSolver solver) => solver.Http01 is not null ? ChallengeTypes.Http01 : ChallengeTypes.Dns01;
}
