using System.Text.Json;

namespace CertFleet.Providers.Acme;

/// <summary>An account resource; <see cref="Url"/> is the <c>kid</c> that signs every later request.</summary>
public sealed record AcmeAccount(string Url, string Status, IReadOnlyList<string> Contact, string? OrdersUrl)
{
    internal static AcmeAccount FromJson(JsonElement json, string url) =>
        new(url, AcmeJson.String(json, "status") ?? "valid", AcmeJson.Strings(json, "contact"), AcmeJson.String(json, "orders"));
}
