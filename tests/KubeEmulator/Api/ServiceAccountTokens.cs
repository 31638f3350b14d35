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
/// in kube-apiserver; a missing ServiceAccount is 404. TokenReview (POST authentication.k8s.io/v1 tokenreviews)
/// authenticates the tokens issued here, as Vault's kubernetes auth asks kube-apiserver to.
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

    /// <summary>
    /// TokenReview: authenticated when the token is one of this emulator's, unexpired, of a ServiceAccount that still
    /// exists with the same uid, and meant for one of the review's audiences (the API server's own when it names none).
    /// A token that fails is answered 201 with authenticated false and the reason in status.error, as kube-apiserver does.
    /// </summary>
    public async Task ReviewAsync(HttpContext context)
    {
        var body = RequestBody.ReadObject(await RequestBody.ReadAsync(context), context.Request.ContentType);
        if (body.StringAt("kind") is { } kind && kind != "TokenReview")
        {
            throw ApiError.BadRequest($"expected a TokenReview, got {kind}");
        }
        var token = body.StringAt("spec", "token") ?? "";
        var wanted = body.ObjectAt("spec")?["audiences"].Strings() ?? [];
        if (wanted.Count == 0)
        {
            wanted = [DefaultAudience];
        }
        var status = new JsonObject();
        var review = Review(token, wanted);
        if (review is ({ } user, { } audiences, _))
        {
            status["authenticated"] = true;
            status["user"] = user;
            status["audiences"] = audiences.ToJsonArray();
        }
        else
        {
            status["authenticated"] = false;
            status["error"] = review.Error;
        }
        var answer = new JsonObject
        {
            ["kind"] = "TokenReview",
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["metadata"] = new JsonObject { ["creationTimestamp"] = null },
            ["spec"] = new JsonObject { ["token"] = token, ["audiences"] = body.ObjectAt("spec")?["audiences"]?.DeepClone() },
            ["status"] = status,
        };
        await ResponseWriter.WriteAsync(context, 201, answer);
    }

    private (JsonObject? User, List<string>? Audiences, string? Error) Review(string token, List<string> wanted)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return (null, null, "invalid bearer token");
        }
        JsonObject? claims;
        try
        {
            var signature = System.Buffers.Text.Base64Url.DecodeFromChars(parts[2]);
            if (!_key.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), signature, HashAlgorithmName.SHA256))
            {
                return (null, null, "invalid bearer token, square/go-jose: error in cryptographic primitive");
            }
            claims = System.Text.Json.Nodes.JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1])) as JsonObject;
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException)
        {
            return (null, null, "invalid bearer token");
        }
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (claims?["exp"]?.GetValue<long>() is not { } exp || exp < now)
        {
            return (null, null, "invalid bearer token, Token has expired.");
        }
        var audiences = claims["aud"].Strings().Intersect(wanted).ToList();
        if (audiences.Count == 0)
        {
            return (null, null, $"invalid bearer token, token audiences [{string.Join(" ", claims["aud"].Strings())}] is invalid for the target audiences [{string.Join(" ", wanted)}]");
        }
        var ns = claims.StringAt("kubernetes.io", "namespace") ?? "";
        var name = claims.StringAt("kubernetes.io", "serviceaccount", "name") ?? "";
        var uid = claims.StringAt("kubernetes.io", "serviceaccount", "uid") ?? "";
        if (!operations.Catalog.TryFind("", "v1", "serviceaccounts", out var type, out var version))
        {
            return (null, null, "service accounts are not served");
        }
        string? currentUid;
        try
        {
            currentUid = operations.Get(new ResourceTarget(type, version, ns, name)).Uid;
        }
        catch (ApiError)
        {
            return (null, null, $"invalid bearer token, serviceaccounts \"{name}\" not found");
        }
        if (currentUid != uid)
        {
            return (null, null, $"invalid bearer token, service account UID ({uid}) does not match the current one ({currentUid})");
        }
        var user = new JsonObject
        {
            ["username"] = $"system:serviceaccount:{ns}:{name}",
            ["uid"] = uid,
            ["groups"] = new List<string> { "system:serviceaccounts", $"system:serviceaccounts:{ns}", "system:authenticated" }.ToJsonArray(),
        };
        return (user, audiences, null);
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
