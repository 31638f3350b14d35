using System.Text.Json.Nodes;
using CertFleet.CrdGenerator;
using CertFleet.TestSupport;

namespace CertFleet.Api.Tests;

public sealed class CrdTests
{
    private static JsonObject Crd(string fileName) =>
        YamlJson.Document(CustomResourceDefinitions.Generate().Single(file => file.FileName == fileName).Text);

    private static JsonObject Version(JsonObject crd) => crd["spec"]!["versions"]!.AsArray().Single()!.AsObject();

    private static JsonObject Schema(JsonObject crd) => Version(crd)["schema"]!["openAPIV3Schema"]!.AsObject();

    private static string[] Strings(JsonNode? array) => array!.AsArray().Select(item => (string)item!).ToArray();

    [Fact]
    public void CheckedInCrdsMatchTheGenerator()
    {
        var differing = CrdCheck.Differences(RepositoryCheckout.Crds, CustomResourceDefinitions.Generate());
        Assert.True(differing.Count == 0,
            $"helm/certfleet/crds is out of date ({string.Join(", ", differing)}). Regenerate with: {CustomResourceDefinitions.RegenerateCommand}");
    }

    [Fact]
    public void GenerationIsDeterministic() =>
        Assert.Equal(CustomResourceDefinitions.Generate(), CustomResourceDefinitions.Generate());

    [Theory]
    [InlineData("certificates.cert-manager.io.yaml", "Certificate", "Namespaced", new[] { "cert", "certs" }, new[] { "cert-manager" })]
    [InlineData("certificaterequests.cert-manager.io.yaml", "CertificateRequest", "Namespaced", new[] { "cr", "crs" }, new[] { "cert-manager" })]
    [InlineData("issuers.cert-manager.io.yaml", "Issuer", "Namespaced", new[] { "iss" }, new[] { "cert-manager" })]
    [InlineData("clusterissuers.cert-manager.io.yaml", "ClusterIssuer", "Cluster", new[] { "ciss" }, new[] { "cert-manager" })]
    [InlineData("orders.acme.cert-manager.io.yaml", "Order", "Namespaced", new string[0], new[] { "cert-manager", "cert-manager-acme" })]
    [InlineData("challenges.acme.cert-manager.io.yaml", "Challenge", "Namespaced", new string[0], new[] { "cert-manager", "cert-manager-acme" })]
    public void NamesScopeAndVersionMatchCertManager(string fileName, string kind, string scope, string[] shortNames, string[] categories)
    {
        var crd = Crd(fileName);
        var names = crd["spec"]!["names"]!;
        Assert.Equal(kind, (string?)names["kind"]);
        Assert.Equal(kind + "List", (string?)names["listKind"]);
        Assert.Equal(scope, (string?)crd["spec"]!["scope"]);
        Assert.Equal(shortNames, names["shortNames"] is null ? [] : Strings(names["shortNames"]));
        Assert.Equal(categories, Strings(names["categories"]));
        Assert.Equal((string?)names["plural"] + "." + (string?)crd["spec"]!["group"], (string?)crd["metadata"]!["name"]);

        var version = Version(crd);
        Assert.Equal("v1", (string?)version["name"]);
        Assert.True((bool)version["served"]!);
        Assert.True((bool)version["storage"]!);
        Assert.NotNull(version["subresources"]!["status"]);
    }

    [Fact]
    public void CertificatePrinterColumnsMatchCertManager()
    {
        var columns = Version(Crd("certificates.cert-manager.io.yaml"))["additionalPrinterColumns"]!.AsArray()
            .Select(column => ((string?)column!["name"], (string?)column["type"], (string?)column["jsonPath"], (long?)column["priority"] ?? 0))
            .ToArray();
        // Expiration is a string column as in cert-manager: as a date, kubectl would print "<invalid>" for any future time.
        Assert.Equal(
        [
            ("Ready", "string", """.status.conditions[?(@.type == "Ready")].status""", 0L),
            ("Secret", "string", ".spec.secretName", 0),
            ("Issuer", "string", ".spec.issuerRef.name", 1),
            ("Status", "string", """.status.conditions[?(@.type == "Ready")].message""", 1),
            ("Expiration", "string", ".status.notAfter", 1),
            ("Age", "date", ".metadata.creationTimestamp", 0),
        ], columns);
    }

    [Fact]
    public void CertificateSpecHasDnsPolicyIssuerRefDefaultsAndRequiredFields()
    {
        var crd = Crd("certificates.cert-manager.io.yaml");
        var schema = Schema(crd);
        Assert.Null(schema["required"]); // spec is optional, as in cert-manager's CRD

        var spec = schema["properties"]!["spec"]!;
        Assert.Equal(["issuerRef", "secretName"], Strings(spec["required"]));
        Assert.Equal(["http01", "dns01"], Strings(spec["properties"]!["dnsPolicy"]!["enum"]));

        var issuerRef = spec["properties"]!["issuerRef"]!;
        Assert.Equal(["name"], Strings(issuerRef["required"]));
        Assert.Equal("Issuer", (string?)issuerRef["properties"]!["kind"]!["default"]);
        Assert.Equal("cert-manager.io", (string?)issuerRef["properties"]!["group"]!["default"]);

        var conditions = schema["properties"]!["status"]!["properties"]!["conditions"]!;
        Assert.Equal("map", (string?)conditions["x-kubernetes-list-type"]);
        Assert.Equal(["type"], Strings(conditions["x-kubernetes-list-map-keys"]));

        Assert.Equal([".spec.issuerRef.group", ".spec.issuerRef.kind", ".spec.issuerRef.name"],
            Version(crd)["selectableFields"]!.AsArray().Select(field => (string)field!["jsonPath"]!).ToArray());
    }

    [Fact]
    public void CertificateRequestConditionsCarryNoObservedGeneration()
    {
        var conditionProperties = Schema(Crd("certificaterequests.cert-manager.io.yaml"))
            ["properties"]!["status"]!["properties"]!["conditions"]!["items"]!["properties"]!.AsObject();
        Assert.False(conditionProperties.ContainsKey("observedGeneration"));
        Assert.True(conditionProperties.ContainsKey("reason"));
    }

    [Theory]
    [InlineData("certificaterequests.cert-manager.io.yaml", "Approved,Denied,Ready,Issuer,Requester,Status,Age")]
    [InlineData("issuers.cert-manager.io.yaml", "Ready,Status,Age")]
    [InlineData("clusterissuers.cert-manager.io.yaml", "Ready,Status,Age")]
    [InlineData("orders.acme.cert-manager.io.yaml", "State,Issuer,Reason,Age")]
    [InlineData("challenges.acme.cert-manager.io.yaml", "State,Domain,Reason,Age")]
    public void PrinterColumnNamesMatchCertManager(string fileName, string names) =>
        Assert.Equal(names.Split(','), Version(Crd(fileName))["additionalPrinterColumns"]!.AsArray()
            .Select(column => (string)column!["name"]!).ToArray());
}
