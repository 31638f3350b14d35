using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Xml.Linq;
using CertFleet.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CertFleet.Dns01.Tests;

/// <summary>
/// Route53's REST/XML API on loopback: checks every request's SigV4 signature with its own HMAC chain (not the
/// provider's code), the paths, the query and the change batch's namespace and element order; answers like Route53.
/// Anything it finds wrong is both answered with an error and kept in <see cref="Problems"/>.
/// </summary>
public sealed class Route53FakeServer : IAsyncDisposable
{
    public const string AccessKeyId = "AKIDFAKE";
    public const string SecretAccessKey = "fake/secret+key";
    private static readonly XNamespace Ns = "https://route53.amazonaws.com/doc/2013-04-01/";
    private static readonly string[] RecordSetElementOrder = ["Name", "Type", "SetIdentifier", "MultiValueAnswer", "TTL", "ResourceRecords"];

    private readonly WebApplication _app;
    private readonly List<(string Id, string Name, bool Private)> _zones = [];

    private Route53FakeServer(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The key pair requests must be signed with; a role's session keys when the provider assumes one.</summary>
    public string ExpectedAccessKeyId { get; set; } = AccessKeyId;
    public string ExpectedSecretAccessKey { get; set; } = SecretAccessKey;

    /// <summary>Session token the requests must carry and sign, when set.</summary>
    public string? ExpectedSessionToken { get; set; }

    /// <summary>Accept only the session the STS fake hands out for a role (the base keys go to STS alone).</summary>
    public void ExpectStsSession()
    {
        ExpectedAccessKeyId = StsFakeServer.SessionAccessKeyId;
        ExpectedSecretAccessKey = StsFakeServer.SessionSecretAccessKey;
        ExpectedSessionToken = StsFakeServer.SessionToken;
    }

    /// <summary>(zone id, name, set identifier) → TXT value as sent (quoted).</summary>
    public ConcurrentDictionary<(string Zone, string Name, string SetIdentifier), string> RecordSets { get; } = new();

    public ConcurrentQueue<string> Requests { get; } = new();
    public ConcurrentQueue<string> Problems { get; } = new();

    /// <summary>Answers the next change request with a Throttling error.</summary>
    public bool ThrottleNextChange { get; set; }

    public void AddZone(string id, string name, bool isPrivate = false) => _zones.Add((id, name, isPrivate));

    public static async Task<Route53FakeServer> StartAsync()
    {
        var app = LoopbackWebServer.Build();
        var server = new Route53FakeServer(app);
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
        Requests.Enqueue($"{request.Method} {request.Path}{request.QueryString}");

        if (VerifySignature(request, body) is { } signatureProblem)
        {
            await AwsXmlAnswers.ErrorAsync(context, Ns, HttpStatusCode.Forbidden, "SignatureDoesNotMatch", signatureProblem);
            return;
        }

        var path = request.Path.Value ?? "";
        if (request.Method == "GET" && path == "/2013-04-01/hostedzonesbyname")
            await ListZonesAsync(context, request.Query["dnsname"].ToString());
        else if (request.Method == "POST" && path.StartsWith("/2013-04-01/hostedzone/", StringComparison.Ordinal) && path.EndsWith("/rrset/", StringComparison.Ordinal))
            await ChangeAsync(context, path["/2013-04-01/hostedzone/".Length..^"/rrset/".Length], body);
        else
            await AwsXmlAnswers.ErrorAsync(context, Ns, HttpStatusCode.NotFound, "UnknownOperation", $"{request.Method} {path}");
    }

    private async Task ListZonesAsync(HttpContext context, string dnsName)
    {
        // Route53 lists in reversed-label order starting at dnsname.
        static string SortKey(string name) => string.Join('.', name.TrimEnd('.').Split('.').Reverse());
        var zones = _zones.Where(z => string.CompareOrdinal(SortKey(z.Name), SortKey(dnsName)) >= 0).OrderBy(z => SortKey(z.Name), StringComparer.Ordinal);
        var document = new XElement(Ns + "ListHostedZonesByNameResponse",
            new XElement(Ns + "HostedZones", zones.Select(z => new XElement(Ns + "HostedZone",
                new XElement(Ns + "Id", "/hostedzone/" + z.Id),
                new XElement(Ns + "Name", z.Name),
                new XElement(Ns + "CallerReference", "ref-" + z.Id),
                new XElement(Ns + "Config", new XElement(Ns + "PrivateZone", z.Private ? "true" : "false")),
                new XElement(Ns + "ResourceRecordSetCount", 2)))),
            new XElement(Ns + "DNSName", dnsName),
            new XElement(Ns + "IsTruncated", "false"),
            new XElement(Ns + "MaxItems", 100));
        await AwsXmlAnswers.WriteAsync(context, HttpStatusCode.OK, document);
    }

    private async Task ChangeAsync(HttpContext context, string zoneId, byte[] body)
    {
        if (_zones.All(z => z.Id != zoneId))
        {
            await AwsXmlAnswers.ErrorAsync(context, Ns, HttpStatusCode.NotFound, "NoSuchHostedZone", $"No hosted zone found with ID: {zoneId}");
            return;
        }
        if (ThrottleNextChange)
        {
            ThrottleNextChange = false;
            await AwsXmlAnswers.ErrorAsync(context, Ns, HttpStatusCode.BadRequest, "Throttling", "Rate exceeded");
            return;
        }

        var root = XDocument.Parse(Encoding.UTF8.GetString(body)).Root!;
        var change = root.Element(Ns + "ChangeBatch")?.Element(Ns + "Changes")?.Element(Ns + "Change");
        var set = change?.Element(Ns + "ResourceRecordSet");
        var order = set?.Elements().Select(e => e.Name.LocalName).ToArray() ?? [];
        if (root.Name != Ns + "ChangeResourceRecordSetsRequest" || set is null || !order.SequenceEqual(RecordSetElementOrder)
            || change!.Elements().First().Name != Ns + "Action")
        {
            Problems.Enqueue($"malformed change batch: {Encoding.UTF8.GetString(body)}");
            await AwsXmlAnswers.ErrorAsync(context, Ns, HttpStatusCode.BadRequest, "InvalidInput", "malformed change batch");
            return;
        }

        var action = change.Element(Ns + "Action")!.Value;
        var key = (zoneId, set.Element(Ns + "Name")!.Value, set.Element(Ns + "SetIdentifier")!.Value);
        var value = set.Element(Ns + "ResourceRecords")!.Element(Ns + "ResourceRecord")!.Element(Ns + "Value")!.Value;
        if (set.Element(Ns + "Type")!.Value != "TXT" || set.Element(Ns + "MultiValueAnswer")!.Value != "true" || set.Element(Ns + "TTL")!.Value != "10")
            Problems.Enqueue($"unexpected record set: {set}");

        switch (action)
        {
            case "UPSERT":
                RecordSets[key] = value;
                break;
            case "DELETE" when RecordSets.TryGetValue(key, out var existing) && existing == value:
                RecordSets.TryRemove(key, out _);
                break;
            case "DELETE":
                await AwsXmlAnswers.WriteAsync(context, HttpStatusCode.BadRequest, new XElement(Ns + "InvalidChangeBatch",
                    new XElement(Ns + "Messages", new XElement(Ns + "Message",
                        $"Tried to delete resource record set [name='{key.Item2}', type='TXT', set-identifier='{key.Item3}'] but it was not found")),
                    new XElement(Ns + "RequestId", Guid.NewGuid())));
                return;
            default:
                Problems.Enqueue($"unexpected action {action}");
                await AwsXmlAnswers.ErrorAsync(context, Ns, HttpStatusCode.BadRequest, "InvalidInput", $"action {action}");
                return;
        }
        await AwsXmlAnswers.WriteAsync(context, HttpStatusCode.OK, new XElement(Ns + "ChangeResourceRecordSetsResponse",
            new XElement(Ns + "ChangeInfo",
                new XElement(Ns + "Id", "/change/C" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant()),
                new XElement(Ns + "Status", "PENDING"),
                new XElement(Ns + "SubmittedAt", DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)))));
    }

    private string? VerifySignature(HttpRequest request, byte[] body)
    {
        var problem = FakeSigV4.Verify(request, body, "route53", ExpectedAccessKeyId, ExpectedSecretAccessKey, ExpectedSessionToken);
        if (problem is not null)
            Problems.Enqueue(problem);
        return problem;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await _app.DisposeAsync();
    }
}
