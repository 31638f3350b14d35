namespace CertFleet.EndToEnd.Tests;

/// <summary>The YAML a user would write for each test, parameterised by namespace and names.</summary>
public static class Manifests
{
    public static string SelfSignedClusterIssuer(string name) => $"""
        apiVersion: cert-manager.io/v1
        kind: ClusterIssuer
        metadata: {"{"}name: {name}{"}"}
        spec: {"{"}selfSigned: {"{}"}{"}"}
        """;

    public static string CaCertificate(string ns, string name, string issuer) => $"""
        apiVersion: cert-manager.io/v1
        kind: Certificate
        metadata: {"{"}name: {name}, namespace: {ns}{"}"}
        spec:
          isCA: true
          commonName: {name} root
          secretName: {name}-tls
          privateKey: {"{"}algorithm: ECDSA, size: 256{"}"}
          issuerRef: {"{"}name: {issuer}, kind: ClusterIssuer{"}"}
        """;

    public static string CaIssuer(string ns, string name, string secretName) => $"""
        apiVersion: cert-manager.io/v1
        kind: Issuer
        metadata: {"{"}name: {name}, namespace: {ns}{"}"}
        spec: {"{"}ca: {"{"}secretName: {secretName}{"}"}{"}"}
        """;

    /// <summary>
    /// Certificates with one DNS name each (<paramref name="dnsName"/> of the Certificate's name) and an ECDSA P-256 key,
    /// from one ClusterIssuer, as one multi-document YAML: the fault and crash tests' batch of work in flight.
    /// </summary>
    public static string EcdsaCertificates(string ns, string clusterIssuer, IEnumerable<string> names, Func<string, string> dnsName) =>
        string.Join("---\n", names.Select(name => $$"""
            apiVersion: cert-manager.io/v1
            kind: Certificate
            metadata: {name: {{name}}, namespace: {{ns}}}
            spec:
              secretName: {{name}}-tls
              dnsNames: [{{dnsName(name)}}]
              privateKey: {algorithm: ECDSA, size: 256}
              issuerRef: {name: {{clusterIssuer}}, kind: ClusterIssuer}

            """));

    public static string Certificate(string ns, string name, string issuer, string extraSpec = "", string issuerKind = "Issuer",
        string? secretName = null, string dnsNames = "") => $"""
        apiVersion: cert-manager.io/v1
        kind: Certificate
        metadata: {"{"}name: {name}, namespace: {ns}{"}"}
        spec:
          secretName: {secretName ?? name + "-tls"}
          dnsNames: [{(dnsNames.Length > 0 ? dnsNames : name + ".e2e.example")}]
          issuerRef: {"{"}name: {issuer}, kind: {issuerKind}{"}"}
        {Indent(extraSpec)}
        """;

    private static string Indent(string lines) =>
        string.Join("\n", lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => "  " + l));
}
