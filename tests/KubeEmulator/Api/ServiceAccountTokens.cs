using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Json;
using CertFleet.KubeEmulator.Registry;
using CertFleet.KubeEmulator.Resources;
using Microsoft.AspNetCore.Http;

namespace CertFleet.KubeEmulator.Api;

/// <summary>
/// The TokenRequest subresource (POST serviceaccounts/{name}/token): answers with a JWT-shaped token for the requested
/// audiences, signed (ES256) with a key of this emulator instance, and its expirationTimestamp. Nothing is stored, as
/// in kube-apiserver; a missing ServiceAccount is 404.
/// </summary>
internal sealed class ServiceAccountTokens(ResourceOperations operations) : IDisposable
{
    public const string Subresource = "token";

    /// <summary>kube-apiserver's --api-audiences default, used when the request names none.</summary>
    private const string DefaultAudience = "https://kubernetes.default.svc.cluster.local";
    private const string Issuer = "https://kubernetes.default.svc.cluster.local";
    private const long DefaultExpirationSeconds = 3600;
    private const long MinExpirationSeconds = 600;

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public async Task CreateAsync(HttpContext context, ResourceTarget serviceAccount)
    {
        var body = RequestBody.ReadObject(await RequestBody.ReadAsync(context), context.Request.ContentType);
        var account = operations.Get(serviceAccount);
        if (body.StringAt("kind") is { } kind && kind != "TokenRequest")
        {
            throw ApiError.BadRequest($"expected a TokenRequest, got {kind}");
        }
        var spec = body.ObjectAt("spec");
        var audiences = spec?["audiences"].Strings().ToList() ?? [];
        if (audiences.Count == 0)
        {
            audiences = [DefaultAudience];
        }
        var expirationSeconds = spec?["expirationSeconds"]?.GetValue<long>() ?? DefaultExpirationSeconds;
        if (expirationSeconds < MinExpirationSeconds)
        {
            throw ApiError.Invalid("authentication.k8s.io", "TokenRequest", serviceAccount.Name,
                [FieldError.Invalid("spec.expirationSeconds", expirationSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "may not specify a duration less than 10 minutes")]);
        }

        var now = DateTimeOffset.UtcNow;
        var expires = now.AddSeconds(expirationSeconds);
        var token = Sign(new JsonObject
        {
            ["aud"] = audiences.ToJsonArray(),
            ["exp"] = expires.ToUnixTimeSeconds(),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["iss"] = Issuer,
            ["jti"] = Guid.NewGuid().ToString(),
            ["sub"] = $"system:serviceaccount:{serviceAccount.Namespace}:{serviceAccount.Name}",
            ["kubernetes.io"] = new JsonObject
            {
                ["namespace"] = serviceAccount.Namespace,
                ["serviceaccount"] = new JsonObject { ["name"] = serviceAccount.Name, ["uid"] = account.Uid },
            },
        });
        var answer = new JsonObject
        {
            ["kind"] = "TokenRequest",
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = serviceAccount.Name,
                ["namespace"] = serviceAccount.Namespace,
                ["creationTimestamp"] = TimeField.FormatTime(now),
            },
            ["spec"] = new JsonObject
            {
                ["audiences"] = audiences.ToJsonArray(),
                ["expirationSeconds"] = expirationSeconds,
                ["boundObjectRef"] = spec?["boundObjectRef"]?.DeepClone(),
            },
            ["status"] = new JsonObject { ["token"] = token, ["expirationTimestamp"] = TimeField.FormatTime(expires) },
        };
        await ResponseWriter.WriteAsync(context, 201, answer);
    }

    private string Sign(JsonObject claims)
    {
        var header = Base64Url(Encoding.UTF8.GetBytes("""{"alg":"ES256","typ":"JWT"}"""));
        var payload = Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var signature = _key.SignData(Encoding.ASCII.GetBytes($"{header}.{payload}"), HashAlgorithmName.SHA256);
        return $"{header}.{payload}.{Base64Url(signature)}";
    }

    private static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    public void Dispose() => _key.Dispose();
}
