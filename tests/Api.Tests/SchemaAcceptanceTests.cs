using System.Text.Json.Nodes;
using CertFleet.CrdGenerator;
using CertFleet.Interfaces.Api;

namespace CertFleet.Api.Tests;

/// <summary>What the API server will accept under the generated schemas.</summary>
public sealed class SchemaAcceptanceTests
{
    private static readonly IReadOnlyDictionary<string, JsonObject> SchemasByKind = CustomResourceDefinitions.Generate()
        .Select(file => YamlJson.Document(file.Text))
        .ToDictionary(
            crd => (string)crd["spec"]!["names"]!["kind"]!,
            crd => crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!.AsObject());

    public static TheoryData<string> SeedFiles => new(Seeds.Files);

    [Theory]
    [MemberData(nameof(SeedFiles))]
    public void SeedManifestsOfOurKindsAreValid(string fileName)
    {
        foreach (var document in Seeds.OwnedDocuments(fileName))
            Assert.Empty(StructuralSchema.Validate(document, SchemasByKind[(string)document["kind"]!]));
    }

    [Theory]
    [InlineData(typeof(Certificate))]
    [InlineData(typeof(CertificateRequest))]
    [InlineData(typeof(Issuer))]
    [InlineData(typeof(ClusterIssuer))]
    [InlineData(typeof(Order))]
    [InlineData(typeof(Challenge))]
    public void EveryFieldOfTheRecordsIsInTheSchema(Type recordType)
    {
        var populated = typeof(SampleObjects).GetMethod(nameof(SampleObjects.Populated))!
            .MakeGenericMethod(recordType).Invoke(null, null)!;
        var json = System.Text.Json.JsonSerializer.SerializeToNode(populated, recordType, ApiJson.Options);
        Assert.Empty(StructuralSchema.Validate(json, SchemasByKind[recordType.Name]));
    }

    [Theory]
    [InlineData("secretname: x", "unknown field")]
    [InlineData("dnsPolicy: dns02", "is not one of")]
    [InlineData("privateKey: {algorithm: DSA}", "is not one of")]
    [InlineData("revisionHistoryLimit: 0", "below")]
    [InlineData("isCA: maybe", "expected boolean")]
    [InlineData("commonName: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "longer than 64")]
    public void MistakesInACertificateAreRejected(string specLine, string expectedError)
    {
        var certificate = YamlJson.Document($$"""
            apiVersion: cert-manager.io/v1
            kind: Certificate
            metadata: {name: broken}
            spec:
              secretName: broken-tls
              issuerRef: {name: ca}
              dnsNames: [example.com]
              {{specLine}}
            """);
        var errors = StructuralSchema.Validate(certificate, SchemasByKind["Certificate"]);
        Assert.Contains(errors, error => error.Contains(expectedError, StringComparison.Ordinal));
    }

    [Fact]
    public void ACertificateWithoutSecretNameIsRejected()
    {
        var certificate = YamlJson.Document("""
            apiVersion: cert-manager.io/v1
            kind: Certificate
            metadata: {name: broken}
            spec: {issuerRef: {name: ca}}
            """);
        Assert.Contains(".spec: missing required field secretName", StructuralSchema.Validate(certificate, SchemasByKind["Certificate"]));
    }

    [Fact]
    public void FreeFormSolverPartsKeepWhateverTheyHold()
    {
        var issuer = YamlJson.Document("""
            apiVersion: cert-manager.io/v1
            kind: Issuer
            metadata: {name: acme, namespace: default}
            spec:
              acme:
                server: https://acme.example/directory
                privateKeySecretRef: {name: acme-key}
                solvers:
                - dns01:
                    webhook: {groupName: acme.example.com, solverName: example, config: {apiUrl: x, ttl: 60, zones: [a, b]}}
                - http01:
                    ingress:
                      podTemplate:
                        spec:
                          affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: []}}}
                          resources: {requests: {cpu: 10m, memory: 64Mi}, limits: {cpu: 1}}
                          tolerations: [{key: dedicated, operator: Equal, value: acme, effect: NoSchedule}]
            """);
        Assert.Empty(StructuralSchema.Validate(issuer, SchemasByKind["Issuer"]));
    }
}
