using k8s;
using k8s.Models;

namespace CertFleet.Bridge.Tests.Infrastructure;

/// <summary>
/// Just enough of cert-manager's CRDs (and CertFleet's FleetCertificate) for the bridge: the served names, scope and status subresource. The schemas
/// keep every field, because what these tests check is the API protocol, not validation.
/// </summary>
public static class CertManagerDefinitions
{
    private static readonly (string Group, string Version, string Plural, string Singular, string Kind, string Scope)[] Resources =
    [
        ("cert-manager.io", "v1", "certificates", "certificate", "Certificate", "Namespaced"),
        ("cert-manager.io", "v1", "certificaterequests", "certificaterequest", "CertificateRequest", "Namespaced"),
        ("cert-manager.io", "v1", "issuers", "issuer", "Issuer", "Namespaced"),
        ("cert-manager.io", "v1", "clusterissuers", "clusterissuer", "ClusterIssuer", "Cluster"),
        ("acme.cert-manager.io", "v1", "orders", "order", "Order", "Namespaced"),
        ("acme.cert-manager.io", "v1", "challenges", "challenge", "Challenge", "Namespaced"),
        // CertFleet's own kind, watched in the home cluster.
        ("certfleet.io", "v1alpha1", "fleetcertificates", "fleetcertificate", "FleetCertificate", "Cluster"),
    ];

    public static async Task InstallAsync(IKubernetes client)
    {
        foreach (var (group, version, plural, singular, kind, scope) in Resources)
        {
            var definition = $$$"""
                {
                  "apiVersion": "apiextensions.k8s.io/v1",
                  "kind": "CustomResourceDefinition",
                  "metadata": {"name": "{{{plural}}}.{{{group}}}"},
                  "spec": {
                    "group": "{{{group}}}",
                    "scope": "{{{scope}}}",
                    "names": {"plural": "{{{plural}}}", "singular": "{{{singular}}}", "kind": "{{{kind}}}"},
                    "versions": [{
                      "name": "{{{version}}}", "served": true, "storage": true,
                      "subresources": {"status": {}},
                      "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}
                    }]
                  }
                }
                """;
            await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(
                KubernetesJson.Deserialize<V1CustomResourceDefinition>(definition));
        }
    }
}
