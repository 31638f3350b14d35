using System.Globalization;
using System.Text;
using System.Text.Json;
using CertFleet.Interfaces.Api;

namespace CertFleet.Grains.Acme;

/// <summary>cert-manager's names for Orders and Challenges: a prefix of the parent's name and a hash of the spec.</summary>
public static class AcmeNames
{
    private const int PrefixLength = 52;

    /// <summary><c>&lt;request[:52]&gt;-&lt;fnv32a(spec without the CSR)&gt;</c>.</summary>
    public static string OrderName(string requestName, OrderSpec spec) =>
        Compose(requestName, JsonSerializer.Serialize(spec with { Request = [] }, ApiJson.Options));

    /// <summary><c>&lt;order[:52]&gt;-&lt;fnv32a(spec)&gt;</c>.</summary>
    public static string ChallengeName(string orderName, ChallengeSpec spec) =>
        Compose(orderName, JsonSerializer.Serialize(spec, ApiJson.Options));

    private static string Compose(string parent, string specJson)
    {
        var prefix = parent.Length > PrefixLength ? parent[..PrefixLength].TrimEnd('-', '.') : parent;
        return $"{prefix}-{Fnv1a32(Encoding.UTF8.GetBytes(specJson)).ToString(CultureInfo.InvariantCulture)}";
    }

    private static uint Fnv1a32(ReadOnlySpan<byte> data)
    {
        var hash = 2166136261u;
        foreach (var b in data)
            hash = (hash ^ b) * 16777619u;
        return hash;
    }
}
