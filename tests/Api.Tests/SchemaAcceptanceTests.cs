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

    /// <summary>
    /// Manifests cert-manager's own CRDs accept (v1.21, deploy/crds): tolerations' effect and operator and the solver
    /// serviceType are plain strings there (no enum, so "" and Kubernetes' newer Lt/Gt pass), an imagePullSecrets entry
    /// is Kubernetes' LocalObjectReference (name defaults to ""), and neither Certificate nor CertificateRequest
    /// requires spec. Ours must accept them too; the controller then says what is wrong (an empty spec is InvalidSpec).
    /// </summary>
    public static TheoryData<string, string, string> LooserThanBefore => new()
    {
        { "tolerations with empty effect and operator", "Issuer", Solver("podTemplate: {spec: {tolerations: [{key: dedicated, operator: \"\", effect: \"\"}]}}") },
        { "toleration operator Lt", "Issuer", Solver("podTemplate: {spec: {tolerations: [{key: gpu, operator: Lt, value: \"4\"}]}}") },
        { "empty serviceType", "Issuer", Solver("serviceType: \"\"") },
        { "imagePullSecrets entry without a name", "Issuer", Solver("podTemplate: {spec: {imagePullSecrets: [{}]}}") },
        { "imagePullSecrets entry with an empty name", "Issuer", Solver("podTemplate: {spec: {imagePullSecrets: [{name: \"\"}]}}") },
        { "Certificate without spec", "Certificate", "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: empty}\n" },
        { "CertificateRequest without spec", "CertificateRequest", "apiVersion: cert-manager.io/v1\nkind: CertificateRequest\nmetadata: {name: empty}\n" },
    };

    [Theory]
    [MemberData(nameof(LooserThanBefore))]
    public void WhatCertManagersSchemaAcceptsIsAccepted(string name, string kind, string manifest)
    {
        Assert.Empty(StructuralSchema.Validate(YamlJson.Document(manifest), SchemasByKind[kind]));
        Assert.True(name.Length > 0);
    }

    [Fact]
    public void AnImagePullSecretsEntryNameDefaultsToEmptyAndKeysTheList()
    {
        var ingress = SchemasByKind["Issuer"]["properties"]!["spec"]!["properties"]!["acme"]!["properties"]!["solvers"]!["items"]!["properties"]!["http01"]!
            ["properties"]!["ingress"]!["properties"]!["podTemplate"]!["properties"]!["spec"]!["properties"]!;
        var pullSecrets = ingress["imagePullSecrets"]!;
        Assert.Equal("", (string?)pullSecrets["items"]!["properties"]!["name"]!["default"]);
        Assert.Null(pullSecrets["items"]!["required"]);
        Assert.Equal("map", (string?)pullSecrets["x-kubernetes-list-type"]);
        Assert.Null(ingress["tolerations"]!["items"]!["properties"]!["effect"]!["enum"]);
        Assert.Null(ingress["tolerations"]!["items"]!["properties"]!["operator"]!["enum"]);
    }

    private static string Solver(string ingressLine) => $$"""
        apiVersion: cert-manager.io/v1
        kind: Issuer
        metadata: {name: acme, namespace: default}
        spec:
          acme:
            server: https://acme.example/directory
            privateKeySecretRef: {name: acme-key}
            solvers:
            - http01:
                ingress: {{{ingressLine}}}
        """;
}
