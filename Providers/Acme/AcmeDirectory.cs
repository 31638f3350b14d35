using System.Text.Json;

namespace CertFleet.Providers.Acme;

/// <summary>A CA's directory: every endpoint URL comes from here, never from convention (Pebble randomises paths).</summary>
public sealed record AcmeDirectory(
    Uri NewNonce,
    Uri NewAccount,
    Uri NewOrder,
    Uri RevokeCert,
    Uri? KeyChange,
    Uri? RenewalInfo,
    AcmeDirectoryMeta Meta)
{
    internal static AcmeDirectory FromJson(JsonElement json)
    {
        Uri Required(string name) => new(AcmeJson.RequiredString(json, name, "directory"));
        Uri? Optional(string name) => AcmeJson.String(json, name) is { } url ? new Uri(url) : null;

        var profiles = new Dictionary<string, string>(StringComparer.Ordinal);
        var meta = json.TryGetProperty("meta", out var m) && m.ValueKind == JsonValueKind.Object ? m : default;
        if (meta.ValueKind == JsonValueKind.Object && meta.TryGetProperty("profiles", out var p) && p.ValueKind == JsonValueKind.Object)
        {
            foreach (var profile in p.EnumerateObject())
            {
                // Drafts and Pebble ≥2.7 describe a profile by a string; tolerate an object by keeping its text.
                profiles[profile.Name] = profile.Value.ValueKind == JsonValueKind.String ? profile.Value.GetString()! : profile.Value.GetRawText();
            }
        }
        var hasMeta = meta.ValueKind == JsonValueKind.Object;
        return new AcmeDirectory(
            Required("newNonce"),
            Required("newAccount"),
            Required("newOrder"),
            Required("revokeCert"),
            Optional("keyChange"),
            Optional("renewalInfo"),
            new AcmeDirectoryMeta(
                hasMeta ? AcmeJson.String(meta, "termsOfService") : null,
                hasMeta && AcmeJson.Boolean(meta, "externalAccountRequired"),
                profiles,
                hasMeta ? AcmeJson.Strings(meta, "caaIdentities") : []));
    }
}
