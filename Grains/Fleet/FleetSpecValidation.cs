using CertFleet.Grains.Policies;
using CertFleet.Interfaces.Api;

namespace CertFleet.Grains.Fleet;

/// <summary>
/// The checks a FleetCertificate must pass before anything is issued or copied: its Certificate spec (the checks every
/// Certificate gets), and its placement. Each problem names the field and the fix.
/// </summary>
public static class FleetSpecValidation
{
    /// <summary>The name becomes the value of the label <c>certfleet.io/fleet-certificate</c> on everything it makes.</summary>
    public const int MaxNameLength = 63;

    public static IReadOnlyList<string> Validate(FleetCertificate fleet)
    {
        var errors = new List<string>();
        var name = fleet.Metadata.Name ?? "";
        if (name.Length > MaxNameLength)
            errors.Add($"metadata.name: Too long: {name.Length} characters, at most {MaxNameLength} are allowed, since the name is the value of the label certfleet.io/fleet-certificate; use a shorter name");

        var spec = fleet.Spec;
        errors.AddRange(CertificateSpecValidation.Validate(spec.Certificate)
            .Select(problem => problem.StartsWith("spec", StringComparison.Ordinal) ? "spec.certificate" + problem[4..] : problem));
        if (spec.Certificate.Keystores?.Jks?.Password is not null)
            errors.Add("spec.certificate.keystores.jks.password: inline passwords are not accepted on a FleetCertificate; use passwordSecretRef (a Secret in the controller's namespace)");
        if (spec.Certificate.Keystores?.Pkcs12?.Password is not null)
            errors.Add("spec.certificate.keystores.pkcs12.password: inline passwords are not accepted on a FleetCertificate; use passwordSecretRef (a Secret in the controller's namespace)");

        var placement = spec.Placement;
        if (placement.ClusterSelector is null && placement.Clusters is not { Count: > 0 })
            errors.Add("spec.placement: Required value: set clusterSelector (labels of member registrations; {} selects every member) or clusters (member names)");
        foreach (var cluster in placement.Clusters ?? [])
            if (string.IsNullOrWhiteSpace(cluster) || cluster.Contains('/'))
                errors.Add($"spec.placement.clusters: Invalid value: \"{cluster}\": a member name is not empty and has no '/'");
        if (placement.Namespaces is not { Count: > 0 })
            errors.Add("spec.placement.namespaces: Required value: name the namespaces that receive a copy in every placed cluster");
        foreach (var ns in placement.Namespaces ?? [])
            if (!KubernetesNames.IsServiceName(ns))
                errors.Add($"spec.placement.namespaces: Invalid value: \"{ns}\": a namespace name is a lowercase RFC 1123 label (a-z, 0-9 and '-', at most 63 characters)");
        if (placement.ClusterSelector is { } selector)
            errors.AddRange(FleetPlacementMatch.SelectorProblems(selector, "spec.placement.clusterSelector"));
        return errors;
    }
}
