using k8s;
using k8s.Models;

namespace CertFleet.Bridge.Tests.Infrastructure;

/// <summary>
/// Just enough of cert-manager's CRDs for the bridge: the served names, scope and status subresource. The schemas
/// keep every field, because what these tests check is the API protocol, not validation.
/// </summary>
public static class CertManagerDefinitions
{
    private static readonly (string Plural, string Singular, string Kind, string Scope)[] Resources =
    [
        ("certificates", "certificate", "Certificate", "Namespaced"),
        ("certificaterequests", "certificaterequest", "CertificateRequest", "Namespaced"),
        ("issuers", "issuer", "Issuer", "Namespaced"),
        ("clusterissuers", "clusterissuer", "ClusterIssuer", "Cluster"),
    ];

    public static async Task InstallAsync(IKubernetes client)
    {
        foreach (var (plural, singular, kind, scope) in Resources)
        {
            var definition = $$$"""
                {
                  "apiVersion": "apiextensions.k8s.io/v1",
                  "kind": "CustomResourceDefinition",
                  "metadata": {"name": "{{{plural}}}.cert-manager.io"},
                  "spec": {
                    "group": "cert-manager.io",
                    "scope": "{{{scope}}}",
                    "names": {"plural": "{{{plural}}}", "singular": "{{{singular}}}", "kind": "{{{kind}}}"},
                    "versions": [{
                      "name": "v1", "served": true, "storage": true,
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
