using System.Text.Json.Nodes;
using CertFleet.Interfaces.Ports;

namespace CertFleet.Kubernetes.Bridge;

/// <summary>
/// The JSON merge patch that sets a Secret's given data keys, labels and annotations and removes
/// <c>removeKeys</c>, leaving every other key, label and annotation as it is.
/// </summary>
/// <remarks>
/// The type is not patched: it is immutable on a stored Secret, so it is set only when the Secret is created.
/// </remarks>
public static class SecretPatch
{
    public static string For(SecretData secret, IReadOnlyCollection<string> removeKeys)
    {
        var data = new JsonObject();
        foreach (var key in removeKeys)
            data[key] = null;
        foreach (var (key, value) in secret.Data)
            data[key] = Convert.ToBase64String(value);

        var metadata = new JsonObject();
        if (secret.Labels.Count > 0)
            metadata["labels"] = StringMap(secret.Labels);
        if (secret.Annotations.Count > 0)
            metadata["annotations"] = StringMap(secret.Annotations);

        var patch = new JsonObject();
        if (metadata.Count > 0)
            patch["metadata"] = metadata;
        if (data.Count > 0)
            patch["data"] = data;
        return patch.ToJsonString();
    }

    private static JsonObject StringMap(IReadOnlyDictionary<string, string> values)
    {
        var map = new JsonObject();
        foreach (var (key, value) in values)
            map[key] = value;
        return map;
    }
}
