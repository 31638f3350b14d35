namespace CertFleet.KubeEmulator.Api;

/// <summary>
/// A resource URL taken apart: /api/v1/[namespaces/{ns}/]{plural}[/{name}[/{subresource}]] or the same under
/// /apis/{group}/{version}.
/// </summary>
internal sealed record ResourcePath(string Group, string Version, string? Namespace, string Plural, string? Name, string? Subresource)
{
    /// <summary>Namespace subresources, which would otherwise read as a resource named "status" in a namespace.</summary>
    private static readonly HashSet<string> NamespaceSubresources = ["status", "finalize"];

    /// <summary>The resource path, or null when the segments name something else (discovery, unknown).</summary>
    public static ResourcePath? Parse(IReadOnlyList<string> segments)
    {
        string group;
        string version;
        int rest;
        if (segments.Count >= 3 && segments[0] == "api")
        {
            (group, version, rest) = ("", segments[1], 2);
        }
        else if (segments.Count >= 4 && segments[0] == "apis")
        {
            (group, version, rest) = (segments[1], segments[2], 3);
        }
        else
        {
            return null;
        }
        var tail = segments.Skip(rest).ToList();
        var namespaceSubresource = group.Length == 0 && tail.Count == 3 && NamespaceSubresources.Contains(tail[2]);
        if (tail[0] == "namespaces" && tail.Count >= 3 && !namespaceSubresource)
        {
            return tail.Count > 5
                ? null
                : new ResourcePath(group, version, tail[1], tail[2], tail.ElementAtOrDefault(3), tail.ElementAtOrDefault(4));
        }
        return tail.Count > 3
            ? null
            : new ResourcePath(group, version, null, tail[0], tail.ElementAtOrDefault(1), tail.ElementAtOrDefault(2));
    }
}
