using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using CertFleet.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace CertFleet.Dns01.Tests;

/// <summary>
/// STS on loopback. AssumeRole: verifies the SigV4 signature (service sts) with the base keys of
/// <see cref="Route53FakeServer"/> and the form body. AssumeRoleWithWebIdentity: unsigned, as AWS documents it; checks
/// the form body and that the token is the expected one and is meant for sts.amazonaws.com. Both hand out the session
/// keys below.
/// </summary>
public sealed partial class StsFakeServer : IAsyncDisposable
{
    public const string RoleArn = "arn:aws:iam::123456789012:role/certfleet-dns01";
    public const string SessionAccessKeyId = "ASIAFAKESESSION";
    public const string SessionSecretAccessKey = "session/secret+key";
    public const string SessionToken = "IQoJb3JpZ2luX2VjEFAKE/session+token==";
    private static readonly XNamespace Ns = "https://sts.amazonaws.com/doc/2011-06-15/";

    private readonly WebApplication _app;
    private int _assumeRoleCalls;
    private int _webIdentityCalls;

    private StsFakeServer(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;
    public ConcurrentQueue<string> Problems { get; } = new();
    public int AssumeRoleCalls => _assumeRoleCalls;
    public int AssumeRoleWithWebIdentityCalls => _webIdentityCalls;

    /// <summary>The only token AssumeRoleWithWebIdentity accepts.</summary>
    public string? ExpectedWebIdentityToken { get; set; }

    /// <summary>The audience the token's payload must name.</summary>
    public string ExpectedAudience { get; set; } = "sts.amazonaws.com";

    /// <summary>How long the handed-out credentials last.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Answers AssumeRole with AccessDenied.</summary>
    public bool DenyAccess { get; set; }

    public static async Task<StsFakeServer> StartAsync()
    {
        var app = LoopbackWebServer.Build();
        var server = new StsFakeServer(app);
        app.Run(server.HandleAsync);
        server.Endpoint = (await app.StartListeningAsync())[0];
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var form = QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body));
        if (form["Action"] == "AssumeRoleWithWebIdentity")
        {
            await AssumeRoleWithWebIdentityAsync(context, form, body);
            return;
        }

        if (FakeSigV4.Verify(request, body, "sts", Route53FakeServer.AccessKeyId, Route53FakeServer.SecretAccessKey, sessionToken: null) is { } signatureProblem)
        {
            Problems.Enqueue(signatureProblem);
            await AwsXmlAnswers.ErrorAsync(context, Ns, HttpStatusCode.Forbidden, "SignatureDoesNotMatch", signatureProblem);
            return;
        }

        var formProblem = request.Method != "POST" || request.Path.Value != "/" ? $"{request.Method} {request.Path}"
            : request.ContentType != "application/x-www-form-urlencoded; charset=utf-8" ? $"content type {request.ContentType}"
            : form.Count != 5 || form["Action"] != "AssumeRole" || form["Version"] != "2011-06-15" || form["RoleArn"] != RoleArn
                || form["DurationSeconds"] != "900" || !SessionName().IsMatch(form["RoleSessionName"].ToString()) ? $"form {Encoding.UTF8.GetString(body)}"
            : null;
        if (formProblem is not null)
        {
            Problems.Enqueue(formProblem);
            await AwsXmlAnswers.ErrorAsync(context, Ns, HttpStatusCode.BadRequest, "InvalidParameterValue", formProblem);
            return;
        }
        if (DenyAccess)
        {
            // Real STS names the caller and the role; this one names neither, so the provider must add the role.
            await AwsXmlAnswers.ErrorAsync(context, Ns, HttpStatusCode.Forbidden, "AccessDenied", "not authorized to perform: sts:AssumeRole");
            return;
        }

        Interlocked.Increment(ref _assumeRoleCalls);
        await SessionAsync(context, "AssumeRole", form["RoleSessionName"].ToString());
    }

    private async Task AssumeRoleWithWebIdentityAsync(HttpContext context, Dictionary<string, Microsoft.Extensions.Primitives.StringValues> form, byte[] body)
    {
        var request = context.Request;
        var token = form["WebIdentityToken"].ToString();
        var expected = new[] { "Action", "Version", "RoleArn", "RoleSessionName", "WebIdentityToken", "DurationSeconds" };
        var problem = request.Method != "POST" || request.Path.Value != "/" ? $"{request.Method} {request.Path}"
            : request.ContentType != "application/x-www-form-urlencoded; charset=utf-8" ? $"content type {request.ContentType}"
            // The call is unsigned: a signature would need credentials the caller does not have yet.
            : request.Headers.Authorization.Count > 0 || request.Headers.ContainsKey("X-Amz-Date") ? "AssumeRoleWithWebIdentity must not be signed"
            : form.Count != expected.Length || expected.Any(k => !form.ContainsKey(k)) || form["Version"] != "2011-06-15" || form["RoleArn"] != RoleArn
                || form["DurationSeconds"] != "900" || !SessionName().IsMatch(form["RoleSessionName"].ToString()) ? $"form {Encoding.UTF8.GetString(body)}"
            : null;
        if (problem is not null)
        {
            Problems.Enqueue(problem);
            await AwsXmlAnswers.ErrorAsync(context, Ns, HttpStatusCode.BadRequest, "InvalidParameterValue", problem);
            return;
        }
        // STS's own answers for a token it does not trust and for one meant for someone else.
        if (token != ExpectedWebIdentityToken)
        {
            await AwsXmlAnswers.ErrorAsync(context, Ns, HttpStatusCode.BadRequest, "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider");
            return;
        }
        if (!Audiences(token).Contains(ExpectedAudience))
        {
            await AwsXmlAnswers.ErrorAsync(context, Ns, HttpStatusCode.BadRequest, "InvalidIdentityToken", "Incorrect token audience");
            return;
        }
        Interlocked.Increment(ref _webIdentityCalls);
        await SessionAsync(context, "AssumeRoleWithWebIdentity", form["RoleSessionName"].ToString());
    }

    /// <summary>The "aud" claim of a JWT (a string or an array); empty when the token is not JWT-shaped.</summary>
    private static IReadOnlyList<string> Audiences(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
            return [];
        try
        {
            var payload = System.Text.Json.Nodes.JsonNode.Parse(Base64UrlTextEncoder.Decode(parts[1]));
            return payload?["aud"] switch
            {
                System.Text.Json.Nodes.JsonArray array => [.. array.Select(a => a?.GetValue<string>() ?? "")],
                System.Text.Json.Nodes.JsonValue value => [value.GetValue<string>()],
                _ => [],
            };
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or InvalidOperationException)
        {
            return [];
        }
    }

    private Task SessionAsync(HttpContext context, string action, string sessionName) =>
        AwsXmlAnswers.WriteAsync(context, HttpStatusCode.OK, new XElement(Ns + action + "Response",
            new XElement(Ns + action + "Result",
                new XElement(Ns + "AssumedRoleUser",
                    new XElement(Ns + "AssumedRoleId", "AROAFAKE:" + sessionName),
                    new XElement(Ns + "Arn", "arn:aws:sts::123456789012:assumed-role/certfleet-dns01/" + sessionName)),
                new XElement(Ns + "Credentials",
                    new XElement(Ns + "AccessKeyId", SessionAccessKeyId),
                    new XElement(Ns + "SecretAccessKey", SessionSecretAccessKey),
                    new XElement(Ns + "SessionToken", SessionToken),
                    new XElement(Ns + "Expiration", DateTime.UtcNow.Add(SessionLifetime).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)))),
            new XElement(Ns + "ResponseMetadata", new XElement(Ns + "RequestId", Guid.NewGuid()))));

    // STS's RoleSessionName pattern and length limit.
    [GeneratedRegex(@"^certfleet-[\w+=,.@-]{1,54}$")]
    private static partial Regex SessionName();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await _app.DisposeAsync();
    }
}
