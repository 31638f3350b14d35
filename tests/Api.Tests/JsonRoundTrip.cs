using System.Text.Json;
using System.Text.Json.Nodes;
using CertFleet.Interfaces.Api;

namespace CertFleet.Api.Tests;

internal static class JsonRoundTrip
{
    /// <summary>Record type for each kind we own, as named in a manifest.</summary>
    public static readonly IReadOnlyDictionary<string, Type> RecordTypes = new Dictionary<string, Type>
    {
        [Certificate.KindName] = typeof(Certificate),
        [CertificateRequest.KindName] = typeof(CertificateRequest),
        [Issuer.KindName] = typeof(Issuer),
        [ClusterIssuer.KindName] = typeof(ClusterIssuer),
        [Order.KindName] = typeof(Order),
        [Challenge.KindName] = typeof(Challenge),
    };

    /// <summary>Reads JSON into the record and writes it back.</summary>
    public static JsonNode Through(JsonNode json, Type recordType)
    {
        var record = json.Deserialize(recordType, ApiJson.Options)!;
        return JsonSerializer.SerializeToNode(record, recordType, ApiJson.Options)!;
    }

    public static JsonNode ToJson<T>(T record) => JsonSerializer.SerializeToNode(record, ApiJson.Options)!;

    /// <summary>Asserts equality and names the first differing path, which a plain Assert.True would not.</summary>
    public static void AssertSame(JsonNode? expected, JsonNode? actual, string path = "$")
    {
        switch (expected)
        {
            case JsonObject expectedObject when actual is JsonObject actualObject:
                foreach (var name in expectedObject.Select(entry => entry.Key).Union(actualObject.Select(entry => entry.Key)))
                {
                    Assert.True(expectedObject.ContainsKey(name), $"{path}.{name} appeared");
                    Assert.True(actualObject.ContainsKey(name), $"{path}.{name} was lost");
                    AssertSame(expectedObject[name], actualObject[name], $"{path}.{name}");
                }
                break;
            case JsonArray expectedArray when actual is JsonArray actualArray:
                Assert.True(expectedArray.Count == actualArray.Count, $"{path}: {expectedArray.Count} items became {actualArray.Count}");
                for (var i = 0; i < expectedArray.Count; i++)
                    AssertSame(expectedArray[i], actualArray[i], $"{path}[{i}]");
                break;
            default:
                Assert.True(JsonNode.DeepEquals(expected, actual),
                    $"{path}: {expected?.ToJsonString() ?? "null"} became {actual?.ToJsonString() ?? "null"}");
                break;
        }
    }
}
