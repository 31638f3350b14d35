using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace CertFleet.Interfaces.Api;

/// <summary>
/// JSON settings for exchanging the API records with a Kubernetes API server: cert-manager's field names,
/// nulls left out, unknown fields ignored on read, Kubernetes time format.
/// </summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            // Label and annotation keys are data, not member names: never rename them.
            DictionaryKeyPolicy = null,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            // Hand-written manifests sometimes quote numbers ("size": "2048"); accept both.
            NumberHandling = JsonNumberHandling.AllowReadingFromString,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
            ReadCommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        };
        options.Converters.Add(new KubernetesTimeConverter());
        options.MakeReadOnly();
        return options;
    }
}
