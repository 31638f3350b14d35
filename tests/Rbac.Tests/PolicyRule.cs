using CertFleet.KubeEmulator.Audit;

namespace CertFleet.Rbac.Tests;

/// <summary>One rule of a Role or ClusterRole, matched the way the RBAC authorizer matches it.</summary>
public sealed class PolicyRule
{
    public List<string> ApiGroups { get; set; } = [];
    public List<string> Resources { get; set; } = [];
    public List<string> Verbs { get; set; } = [];
    public List<string> ResourceNames { get; set; } = [];
    [YamlDotNet.Serialization.YamlMember(Alias = "nonResourceURLs")]
    public List<string> NonResourceUrls { get; set; } = [];

    public bool Allows(AccessRecord request) => request.IsResourceRequest
        ? Matches(Verbs, request.Verb) && Matches(ApiGroups, request.ApiGroup ?? "") && MatchesResource(request) &&
          (ResourceNames.Count == 0 || (request.Name is { } name && ResourceNames.Contains(name)))
        : Matches(Verbs, request.Verb) && NonResourceUrls.Any(url => url == "*" || url == request.NonResourceUrl ||
            (url.EndsWith('*') && request.NonResourceUrl!.StartsWith(url[..^1], StringComparison.Ordinal)));

    public override string ToString() =>
        $"apiGroups [{string.Join(", ", ApiGroups.Select(g => $"\"{g}\""))}] resources [{string.Join(", ", Resources)}] " +
        $"verbs [{string.Join(", ", Verbs)}]" + (ResourceNames.Count > 0 ? $" resourceNames [{string.Join(", ", ResourceNames)}]" : "") +
        (NonResourceUrls.Count > 0 ? $" nonResourceURLs [{string.Join(", ", NonResourceUrls)}]" : "");

    private static bool Matches(List<string> granted, string asked) => granted.Contains("*") || granted.Contains(asked);

    /// <summary>"*", the exact "resource" or "resource/subresource", or "*/subresource" for a subresource request.</summary>
    private bool MatchesResource(AccessRecord request) => Resources.Any(resource =>
        resource == "*" || resource == request.ResourcePath ||
        (request.Subresource is { Length: > 0 } sub && resource == $"*/{sub}"));
}
