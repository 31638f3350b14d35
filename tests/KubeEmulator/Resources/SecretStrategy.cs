using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CertFleet.KubeEmulator.Api;
using CertFleet.KubeEmulator.Json;

namespace CertFleet.KubeEmulator.Resources;

/// <summary>
/// Secrets and ConfigMaps: data keys are config keys; Secret data is base64 (decoded by the apiserver, so bad
/// base64 is a 400), stringData folds into data, type defaults to Opaque and never changes, and kubernetes.io/tls
/// needs tls.crt and tls.key. An immutable object keeps its data.
/// </summary>
internal sealed partial class SecretStrategy(bool isSecret) : ObjectStrategy
{
    private const string KeyMessage =
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

    public override void Decode(ServedVersion version, JsonObject obj, DecodeContext context)
    {
        base.Decode(version, obj, context);
        foreach (var map in new[] { "data", "stringData", "binaryData" })
        {
            if (obj[map] is { } node &&
                (node is not JsonObject entries || entries.Any(e => e.Value is not null && e.Value.AsString() is null)))
            {
                var kind = isSecret ? "Secret" : "ConfigMap";
                throw ApiError.BadRequest($"json: cannot unmarshal into Go struct field {kind}.{map} of type map[string]string");
            }
        }
        if (!isSecret)
        {
            return;
        }
        if (obj["data"] is JsonObject data)
        {
            foreach (var (key, value) in data)
            {
                if (value.AsString() is { } text && !Convert.TryFromBase64String(text, new byte[text.Length], out _))
                {
                    throw ApiError.BadRequest($"illegal base64 data in Secret data[{key}]");
                }
            }
        }
        if (obj["stringData"] is JsonObject stringData)
        {
            var target = obj.EnsureObject("data");
            foreach (var (key, value) in stringData)
            {
                target[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value.AsString() ?? ""));
            }
            obj.Remove("stringData");
        }
    }

    public override void PrepareForCreate(JsonObject obj)
    {
        if (isSecret && string.IsNullOrEmpty(obj["type"].AsString()))
        {
            obj["type"] = "Opaque";
        }
    }

    public override void PrepareForUpdate(JsonObject obj, JsonObject old)
    {
        if (isSecret && string.IsNullOrEmpty(obj["type"].AsString()))
        {
            obj["type"] = old["type"]?.DeepClone();
        }
    }

    public override void Validate(ServedVersion version, JsonObject obj, JsonObject? old, List<FieldError> errors)
    {
        foreach (var map in new[] { "data", "binaryData" })
        {
            foreach (var key in (obj[map] as JsonObject ?? []).Select(p => p.Key))
            {
                if (!ConfigKeyPattern().IsMatch(key) || key is "." or "..")
                {
                    errors.Add(FieldError.Invalid($"{map}[{key}]", JsonValue.Create(key), KeyMessage));
                }
            }
        }
        var type = obj["type"].AsString();
        if (isSecret && type == "kubernetes.io/tls")
        {
            foreach (var key in new[] { "tls.crt", "tls.key" })
            {
                if (obj.ObjectAt("data")?.ContainsKey(key) != true)
                {
                    errors.Add(FieldError.Required($"data[{key}]"));
                }
            }
        }
        if (old is null)
        {
            return;
        }
        if (isSecret && type != old["type"].AsString())
        {
            errors.Add(FieldError.Invalid("type", obj["type"], "field is immutable"));
        }
        if (old["immutable"].AsBool() == true)
        {
            if (obj["immutable"].AsBool() != true)
            {
                errors.Add(FieldError.Forbidden("immutable", "field is immutable when `immutable` is set"));
            }
            if (!JsonTree.DeepEquals(obj["data"], old["data"]))
            {
                errors.Add(FieldError.Forbidden("data", "field is immutable when `immutable` is set"));
            }
        }
    }

    [GeneratedRegex("^[-._a-zA-Z0-9]+$")]
    private static partial Regex ConfigKeyPattern();
}
