using System.Text.Json.Nodes;
using CertFleet.TestSupport;

namespace CertFleet.Api.Tests;

/// <summary>The guide's manifests in shared/examples/seed, and the documents in them whose kinds CertFleet owns.</summary>
internal static class Seeds
{
    private static readonly string[] OwnedGroups = ["cert-manager.io/", "acme.cert-manager.io/"];

    /// <summary>The seed files holding at least one of our kinds (01, 02, 03 and 07 today).</summary>
    public static IEnumerable<string> Files => Directory.EnumerateFiles(RepositoryCheckout.Seeds, "*.yaml")
        .Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)
        .Where(fileName => OwnedDocuments(fileName).Any());

    public static IEnumerable<JsonObject> OwnedDocuments(string fileName) =>
        YamlJson.Documents(File.ReadAllText(Path.Combine(RepositoryCheckout.Seeds, fileName)))
            .Where(document => OwnedGroups.Any(group => ((string?)document["apiVersion"])?.StartsWith(group, StringComparison.Ordinal) == true));
}
