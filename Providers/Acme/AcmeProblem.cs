using System.Text.Json;
using CertFleet.Providers.Http;

namespace CertFleet.Providers.Acme;

/// <summary>An RFC 7807 problem document as ACME servers send it (RFC 8555 §6.7).</summary>
public sealed record AcmeProblem(string Type, string? Detail, int Status, IReadOnlyList<AcmeSubproblem> Subproblems)
{
    public const string AcmeErrorPrefix = "urn:ietf:params:acme:error:";

    /// <summary>
    /// A CA's text reaches Issuer, Order and Challenge status and Events: each detail and type is cut to this many
    /// characters, and <see cref="Describe"/> lists subproblems only up to it, so one CA answer cannot swell an object
    /// past its size limit.
    /// </summary>
    public const int MaxTextChars = 1024;

    /// <summary>Subproblems kept from one problem; a CA lists one per identifier, and orders have at most 100.</summary>
    public const int MaxSubproblems = 100;

    /// <summary>The type without the ACME URN prefix ("rateLimited"); other types are returned whole.</summary>
    public string ShortType => Type.StartsWith(AcmeErrorPrefix, StringComparison.Ordinal) ? Type[AcmeErrorPrefix.Length..] : Type;

    /// <summary>What the caller should do next, by type, falling back to the HTTP status for unknown types.</summary>
    public AcmeProblemAction Action => ShortType switch
    {
        "badNonce" => AcmeProblemAction.RetryNow,
        "rateLimited" => AcmeProblemAction.WaitForRetryAfter,
        "serverInternal" => AcmeProblemAction.BackOff,
        "connection" or "dns" or "tls" or "incorrectResponse" or "unauthorized" or "caa"
            // A changed ToS needs a human to agree, like any configuration fix.
            or "userActionRequired" => AcmeProblemAction.FixConfiguration,
        "accountDoesNotExist" => AcmeProblemAction.ReRegister,
        "externalAccountRequired" or "malformed" or "badCSR" or "badPublicKey" or "badSignatureAlgorithm"
            or "rejectedIdentifier" or "unsupportedIdentifier" or "invalidContact" or "unsupportedContact"
            or "badRevocationReason" or "invalidProfile" => AcmeProblemAction.Permanent,
        // alreadyReplaced (ARI): the caller retries once without "replaces", which is a flow decision too.
        "orderNotReady" or "alreadyRevoked" or "alreadyReplaced" => AcmeProblemAction.FlowError,
        "compound" when Subproblems.Count > 0 => new AcmeProblem(Subproblems[0].Type, null, Status, []).Action,
        _ => Status switch
        {
            429 or 503 => AcmeProblemAction.WaitForRetryAfter,
            >= 500 => AcmeProblemAction.BackOff,
            _ => AcmeProblemAction.Permanent,
        },
    };

    /// <summary>
    /// The detail followed by each subproblem's identifier and detail, for a status condition; subproblems past
    /// <see cref="MaxTextChars"/> are counted, not listed.
    /// </summary>
    public string Describe()
    {
        var text = string.IsNullOrWhiteSpace(Detail) ? ShortType : Detail;
        for (var i = 0; i < Subproblems.Count; i++)
        {
            if (text.Length >= MaxTextChars)
            {
                return text + $"; and {Subproblems.Count - i} more";
            }
            var sub = Subproblems[i];
            var who = sub.Identifier is null ? "" : BoundedBody.Excerpt(sub.Identifier.Value, 255) + ": ";
            text += $"; {who}{sub.Detail ?? sub.Type}";
        }
        return text;
    }

    /// <summary>Reads a problem object; a body that is not one becomes an <c>about:blank</c> problem carrying the text.</summary>
    public static AcmeProblem Parse(string body, int httpStatus)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("type", out _))
            {
                return FromJson(document.RootElement, httpStatus);
            }
        }
        catch (JsonException)
        {
            // Load balancers answer with HTML or plain text; fall through.
        }
        var snippet = body.Length > 200 ? body[..200] + "…" : body;
        return new AcmeProblem("about:blank", string.IsNullOrWhiteSpace(snippet) ? null : snippet.Trim(), httpStatus, []);
    }

    internal static AcmeProblem FromJson(JsonElement json, int httpStatus)
    {
        var subproblems = new List<AcmeSubproblem>();
        if (json.TryGetProperty("subproblems", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var sub in list.EnumerateArray().Take(MaxSubproblems))
            {
                subproblems.Add(new AcmeSubproblem(
                    Cut(AcmeJson.String(sub, "type")) ?? "about:blank",
                    Cut(AcmeJson.String(sub, "detail")),
                    sub.TryGetProperty("identifier", out var identifier) ? AcmeJson.Identifier(identifier) : null));
            }
        }
        var status = json.TryGetProperty("status", out var s) && s.TryGetInt32(out var code) ? code : httpStatus;
        return new AcmeProblem(Cut(AcmeJson.String(json, "type")) ?? "about:blank", Cut(AcmeJson.String(json, "detail")), status, subproblems);
    }

    private static string? Cut(string? text) => text is null ? null : BoundedBody.Excerpt(text, MaxTextChars);
}
