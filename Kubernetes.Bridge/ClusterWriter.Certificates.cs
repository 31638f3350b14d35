using System.Text.Json;
using System.Text.Json.Nodes;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;
using k8s;

namespace CertFleet.Kubernetes.Bridge;

public sealed partial class ClusterWriter
{
    public Task<Certificate?> ApplyOwnedCertificateAsync(ObjectKey key, Certificate certificate, string ownerLabel,
        CancellationToken ct = default)
    {
        var kind = ResourceKind.Certificate;
        var connection = clusters[key.Cluster];
        var owner = certificate.Metadata.Labels?.GetValueOrDefault(ownerLabel)
                    ?? throw new ArgumentException($"the Certificate to apply carries no label {ownerLabel}", nameof(certificate));
        // The API server fills issuerRef's defaults; filled here too, a spec read back compares equal to the one applied.
        var spec = certificate.Spec with
        {
            IssuerRef = certificate.Spec.IssuerRef with
            {
                Kind = certificate.Spec.IssuerRef.Kind ?? IssuerRef.DefaultKind,
                Group = certificate.Spec.IssuerRef.Group ?? IssuerRef.DefaultGroup,
            },
        };
        var wantedSpec = JsonSerializer.SerializeToNode(spec, ApiJson.Options)!;
        var wantedOwners = JsonSerializer.SerializeToNode(certificate.Metadata.OwnerReferences ?? [], ApiJson.Options)!;
        var body = CreateBody(kind, key, certificate with { Spec = spec });

        return connection.RunAsync($"applying Certificate {key}", async token =>
        {
            // Two rounds: a create that finds one made meanwhile reads and updates it.
            for (var round = 0; ; round++)
            {
                JsonObject existing;
                try
                {
                    var read = (JsonElement)await connection.SendAsync((client, t) => Get(client, kind, key, t), token);
                    existing = JsonNode.Parse(read.GetRawText())!.AsObject();
                }
                catch (Exception exception) when (ApiError.From(exception) is { IsNotFound: true })
                {
                    try
                    {
                        return ApiObjects.Read<Certificate>(await connection.SendAsync((client, t) =>
                            client.CustomObjects.CreateNamespacedCustomObjectAsync(body, kind.Group, kind.Version,
                                key.Namespace, kind.Plural, fieldManager: FieldManager, cancellationToken: t), token));
                    }
                    catch (Exception created) when (ApiError.From(created) is { IsAlreadyExists: true } && round == 0)
                    {
                        continue;
                    }
                }

                var metadata = existing["metadata"]!.AsObject();
                if (metadata["labels"]?[ownerLabel]?.GetValue<string>() != owner)
                    return null; // not ours: someone else's Certificate of that name is left alone

                var storedSpec = JsonSerializer.SerializeToNode(
                    existing["spec"].Deserialize<CertificateSpec>(ApiJson.Options) ?? new CertificateSpec(), ApiJson.Options);
                var sameSpec = JsonNode.DeepEquals(storedSpec, wantedSpec);
                var sameOwners = JsonNode.DeepEquals(
                    JsonSerializer.SerializeToNode(metadata["ownerReferences"].Deserialize<List<OwnerReference>>(ApiJson.Options) ?? [], ApiJson.Options),
                    wantedOwners);
                if (sameSpec && sameOwners)
                    return ApiObjects.Read<Certificate>(JsonSerializer.SerializeToElement(existing));

                // A replace carrying the resourceVersion read: a concurrent change answers 409 and the retry reads again.
                existing["spec"] = wantedSpec.DeepClone();
                metadata["ownerReferences"] = wantedOwners.DeepClone();
                var replaced = await connection.SendAsync((client, t) => client.CustomObjects.ReplaceNamespacedCustomObjectAsync(
                    existing, kind.Group, kind.Version, key.Namespace, kind.Plural, key.Name, fieldManager: FieldManager,
                    cancellationToken: t), token);
                return ApiObjects.Read<Certificate>(replaced);
            }
        }, ct);
    }
}
