using CertFleet.Interfaces;
using CertFleet.Interfaces.Ports;
using k8s.Models;

namespace CertFleet.Kubernetes.Bridge;

/// <summary>Between the client's <see cref="V1Secret"/> and the port records grains use.</summary>
public static class SecretMapping
{
    public static SecretData ToSecretData(V1Secret secret, string cluster) => new()
    {
        Key = new ObjectKey(cluster, secret.Metadata.NamespaceProperty ?? "", secret.Metadata.Name),
        Type = secret.Type ?? "Opaque",
        Data = secret.Data is null ? new() : new Dictionary<string, byte[]>(secret.Data),
        Labels = Copy(secret.Metadata.Labels),
        Annotations = Copy(secret.Metadata.Annotations),
        Uid = secret.Metadata.Uid,
        ResourceVersion = secret.Metadata.ResourceVersion,
        OwnerReferences = secret.Metadata.OwnerReferences?
            .Select(owner => new OwnerRef(owner.ApiVersion, owner.Kind, owner.Name, owner.Uid,
                owner.Controller ?? false, owner.BlockOwnerDeletion ?? false))
            .ToList() ?? [],
    };

    /// <summary>What a Secret watch forwards to grains: never the data.</summary>
    public static SecretMetadata ToSecretMetadata(V1ObjectMeta metadata, string cluster) => new(
        new ObjectKey(cluster, metadata.NamespaceProperty ?? "", metadata.Name),
        metadata.Uid ?? "",
        metadata.ResourceVersion ?? "",
        Copy(metadata.Labels),
        Copy(metadata.Annotations));

    /// <summary>A Secret to create; <paramref name="generateName"/> replaces the key's name when given.</summary>
    public static V1Secret ToV1Secret(SecretData secret, string? generateName = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Metadata = new V1ObjectMeta
        {
            Name = generateName is null ? secret.Key.Name : null,
            GenerateName = generateName,
            NamespaceProperty = secret.Key.Namespace,
            Labels = secret.Labels.Count > 0 ? new Dictionary<string, string>(secret.Labels) : null,
            Annotations = secret.Annotations.Count > 0 ? new Dictionary<string, string>(secret.Annotations) : null,
            OwnerReferences = secret.OwnerReferences.Count > 0
                ? secret.OwnerReferences.Select(owner => new V1OwnerReference
                {
                    ApiVersion = owner.ApiVersion, Kind = owner.Kind, Name = owner.Name, Uid = owner.Uid,
                    Controller = owner.Controller, BlockOwnerDeletion = owner.BlockOwnerDeletion,
                }).ToList()
                : null,
        },
        Type = secret.Type,
        Data = new Dictionary<string, byte[]>(secret.Data),
    };

    private static Dictionary<string, string> Copy(IDictionary<string, string>? values) =>
        values is null ? new() : new Dictionary<string, string>(values);
}
