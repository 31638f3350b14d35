using System.Text;
using System.Text.Json.Nodes;

namespace CertFleet.Dns01.Tests;

/// <summary>Unsigned JWT-shaped tokens, as the fakes only read their claims; the same claims give the same token.</summary>
public static class TestJwt
{
    public static string For(IEnumerable<string> audiences, string subject = "system:serviceaccount:team-a:route53")
    {
        var claims = new JsonObject
        {
            ["aud"] = new JsonArray([.. audiences.Select(a => (JsonNode)a)]),
            ["sub"] = subject,
            ["exp"] = 4102444800, // 2100-01-01
        };
        return $"{Encode("""{"alg":"none"}""")}.{Encode(claims.ToJsonString())}.c2lnbmF0dXJl";
    }

    private static string Encode(string json) => System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));
}
