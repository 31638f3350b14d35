using CertFleet.Grains.Policies;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Fleet;
using CertFleet.Interfaces.Ports;

namespace CertFleet.Grains.Fleet;

/// <summary>
/// Where a FleetCertificate's Secret goes: every member named in <c>clusters</c> or matched by <c>clusterSelector</c>
/// (Kubernetes label-selector rules over the registration's labels), times every namespace.
/// </summary>
public static class FleetPlacementMatch
{
    public static IReadOnlyList<FleetPlacement> Placements(FleetCertificatePlacement placement, IReadOnlyList<FleetMember> members)
    {
        var named = new HashSet<string>(placement.Clusters ?? [], StringComparer.Ordinal);
        return [.. members
            .Where(member => named.Contains(member.Name)
                             || (placement.ClusterSelector is { } selector && Matches(selector, member.Labels)))
            .OrderBy(member => member.Name, StringComparer.Ordinal)
            .SelectMany(member => placement.Namespaces.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
                .Select(ns => new FleetPlacement(member.Name, ns)))];
    }

    /// <summary>Whether <paramref name="labels"/> satisfy every matchLabels pair and every expression (an empty selector matches all).</summary>
    public static bool Matches(LabelSelector selector, IReadOnlyDictionary<string, string> labels) =>
        (selector.MatchLabels ?? []).All(pair => labels.TryGetValue(pair.Key, out var value) && value == pair.Value)
        && (selector.MatchExpressions ?? []).All(requirement => Holds(requirement, labels));

    private static bool Holds(LabelSelectorRequirement requirement, IReadOnlyDictionary<string, string> labels)
    {
        var present = labels.TryGetValue(requirement.Key, out var value);
        var values = requirement.Values ?? [];
        return requirement.Operator switch
        {
            LabelSelectorOperators.In => present && values.Contains(value!),
            LabelSelectorOperators.NotIn => !present || !values.Contains(value!),
            LabelSelectorOperators.Exists => present,
            LabelSelectorOperators.DoesNotExist => !present,
            _ => false, // refused by validation before any placement is computed
        };
    }

    /// <summary>What the API server's label-selector validation would say about <paramref name="selector"/>.</summary>
    public static IEnumerable<string> SelectorProblems(LabelSelector selector, string field)
    {
        foreach (var (key, value) in selector.MatchLabels ?? [])
        {
            if (!KubernetesNames.IsQualifiedName(key))
                yield return $"{field}.matchLabels: Invalid key \"{key}\": {KubernetesNames.QualifiedNameRule}";
            if (!KubernetesNames.IsLabelValue(value))
                yield return $"{field}.matchLabels[{key}]: Invalid value \"{value}\": {KubernetesNames.LabelValueRule}";
        }
        var index = 0;
        foreach (var requirement in selector.MatchExpressions ?? [])
        {
            var at = $"{field}.matchExpressions[{index++}]";
            if (!KubernetesNames.IsQualifiedName(requirement.Key))
                yield return $"{at}.key: Invalid value \"{requirement.Key}\": {KubernetesNames.QualifiedNameRule}";
            switch (requirement.Operator)
            {
                case LabelSelectorOperators.In or LabelSelectorOperators.NotIn when requirement.Values is not { Count: > 0 }:
                    yield return $"{at}.values: Required value: {requirement.Operator} needs at least one value";
                    break;
                case LabelSelectorOperators.Exists or LabelSelectorOperators.DoesNotExist when requirement.Values is { Count: > 0 }:
                    yield return $"{at}.values: Forbidden: {requirement.Operator} takes no values; remove them";
                    break;
                case LabelSelectorOperators.In or LabelSelectorOperators.NotIn or LabelSelectorOperators.Exists or LabelSelectorOperators.DoesNotExist:
                    break;
                default:
                    yield return $"{at}.operator: Unsupported value \"{requirement.Operator}\": use In, NotIn, Exists or DoesNotExist";
                    break;
            }
        }
    }
}
