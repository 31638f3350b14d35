using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Amazon.Runtime.Credentials;
using CertFleet.Providers.Http;

namespace CertFleet.Providers.Dns01;

/// <summary>cert-manager's <c>dns01.route53</c>.</summary>
public sealed class Route53Settings
{
    /// <summary>Picks the partition (aws, aws-cn, aws-us-gov) whose Route53 endpoint and signing region are used.</summary>
    public string Region { get; init; } = "us-east-1";

    /// <summary>Static keys; null resolves AWSSDK.Core's default chain (environment, web identity, profile, container, IMDS).</summary>
    public AwsCredentials? Credentials { get; init; }

    /// <summary>Skips zone discovery; with or without the "/hostedzone/" prefix.</summary>
    public string? HostedZoneId { get; init; }

    /// <summary>Null means the partition's endpoint, e.g. https://route53.amazonaws.com.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>IAM role ARN assumed through STS with <see cref="Credentials"/> (or the default chain); Route53 is then called with the role's session.</summary>
    public string? Role { get; init; }

    /// <summary>
    /// A web identity token (cert-manager's <c>auth.kubernetes.serviceAccountRef</c>: a service account token for
    /// audience sts.amazonaws.com). With <see cref="Role"/> the role is assumed through AssumeRoleWithWebIdentity
    /// and <see cref="Credentials"/> are not used.
    /// </summary>
    public string? WebIdentityToken { get; init; }

    /// <summary>Null means https://sts.amazonaws.com.</summary>
    public Uri? StsEndpoint { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Route53 over its REST/XML API, signed with SigV4. Each value is its own multi-value-answer record set
/// (SetIdentifier = value), as cert-manager does, so apex and wildcard values on one name never overwrite each other.
/// <paramref name="http"/> should follow no redirects and decompress nothing: answers are read through
/// <see cref="BoundedBody"/> (1 MiB), within <see cref="Route53Settings.Timeout"/> for the whole change.
/// </summary>
public sealed class Route53Provider(Route53Settings settings, HttpClient http, TimeProvider? time = null) : IDns01Provider
{
    private const string ApiVersion = "2013-04-01";
    private const string Service = "route53";
    private const int Ttl = 10;
    internal const int MaxShownErrorChars = 1024;
    private static readonly XNamespace Ns = "https://route53.amazonaws.com/doc/2013-04-01/";

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly (Uri Endpoint, string SigningRegion) _partition = Partition(settings);
    private readonly ConcurrentDictionary<string, HostedZone> _zonesByFqdn = new(StringComparer.OrdinalIgnoreCase);
    private readonly AwsRoleCredentials? _role = settings.Role is { Length: > 0 } role
        ? new AwsRoleCredentials(role, settings.WebIdentityToken, settings.StsEndpoint ?? AwsRoleCredentials.DefaultStsEndpoint, http, time ?? TimeProvider.System)
        : null;

    public Task PresentAsync(string fqdn, string value, CancellationToken ct = default) =>
        ChangeAsync("UPSERT", fqdn, value, ct);

    public Task CleanUpAsync(string fqdn, string value, CancellationToken ct = default) =>
        ChangeAsync("DELETE", fqdn, value, ct);

    private async Task ChangeAsync(string action, string fqdn, string value, CancellationToken ct)
    {
        fqdn = Fqdn(fqdn);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(settings.Timeout);
        try
        {
            var credentials = await CredentialsAsync(timeout.Token);
            var zone = await ZoneAsync(fqdn, credentials, timeout.Token);
            var body = ChangeBatch(action, fqdn, value);
            var (status, xml) = await SendAsync(HttpMethod.Post, $"/{ApiVersion}/hostedzone/{Uri.EscapeDataString(zone.Id)}/rrset/", "", body, credentials, timeout.Token);
            if (status == HttpStatusCode.OK)
                return;
            var error = ParseError(xml);
            // Deleting what is not there is what cert-manager treats as already cleaned up.
            if (action == "DELETE" && error.Code == "InvalidChangeBatch" && error.Message.Contains("not found", StringComparison.OrdinalIgnoreCase))
                return;
            throw new Dns01ProviderException($"route53: {action} TXT {fqdn} in zone {zone.Name} ({zone.Id}): {error.Code}: {error.Message} (HTTP {(int)status})");
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new Dns01ProviderException($"route53: {action} TXT {fqdn}: no answer within {settings.Timeout.TotalSeconds:0.#} s", e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or InvalidDataException or ResponseBodyRefusedException or XmlException)
        {
            throw new Dns01ProviderException($"route53: {action} TXT {fqdn}: {BoundedBody.Excerpt(e.Message, MaxShownErrorChars)}", e);
        }
    }

    private Task<AwsCredentials> CredentialsAsync(CancellationToken ct) =>
        _role is null ? BaseCredentialsAsync(ct) : _role.GetAsync(BaseCredentialsAsync, ct);

    private async Task<AwsCredentials> BaseCredentialsAsync(CancellationToken ct)
    {
        if (settings.Credentials is { } configured)
            return configured;
        try
        {
            var chain = await DefaultAWSCredentialsIdentityResolver.GetCredentialsAsync(null).WaitAsync(ct);
            var resolved = await chain.GetCredentialsAsync().WaitAsync(ct);
            return new AwsCredentials(resolved.AccessKey, resolved.SecretKey, resolved.UseToken ? resolved.Token : null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new Dns01ProviderException($"route53: no AWS credentials from the default chain: {e.Message}", e);
        }
    }

    private async Task<HostedZone> ZoneAsync(string fqdn, AwsCredentials credentials, CancellationToken ct)
    {
        if (settings.HostedZoneId is { Length: > 0 } configured)
            return new HostedZone(StripPrefix(configured, "/hostedzone/"), configured);
        if (_zonesByFqdn.TryGetValue(fqdn, out var known))
            return known;

        // The listing starts at dnsname in reversed-label order, so a parent zone is only first when asked for by name:
        // try the name itself, then each parent, longest (most specific) first.
        var labels = fqdn.TrimEnd('.').Split('.');
        for (var i = 0; i < labels.Length - 1; i++)
        {
            var candidate = string.Join('.', labels[i..]) + ".";
            var (status, xml) = await SendAsync(HttpMethod.Get, $"/{ApiVersion}/hostedzonesbyname", $"dnsname={Uri.EscapeDataString(candidate)}", null, credentials, ct);
            if (status != HttpStatusCode.OK)
            {
                var error = ParseError(xml);
                throw new Dns01ProviderException($"route53: finding the hosted zone of {fqdn} (tried {candidate}): {error.Code}: {error.Message} (HTTP {(int)status})");
            }
            var match = XDocument.Parse(xml).Descendants(Ns + "HostedZone")
                .Where(z => string.Equals((string?)z.Element(Ns + "Name"), candidate, StringComparison.OrdinalIgnoreCase))
                .FirstOrDefault(z => !string.Equals((string?)z.Element(Ns + "Config")?.Element(Ns + "PrivateZone"), "true", StringComparison.OrdinalIgnoreCase));
            if (match is not null)
                return _zonesByFqdn[fqdn] = new HostedZone(StripPrefix((string?)match.Element(Ns + "Id") ?? "", "/hostedzone/"), candidate);
        }
        throw new Dns01ProviderException($"route53: no public hosted zone contains {fqdn}");
    }

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(
        HttpMethod method, string path, string query, byte[]? body, AwsCredentials credentials, CancellationToken ct)
    {
        var builder = new UriBuilder(_partition.Endpoint) { Path = path, Query = query };
        using var request = new HttpRequestMessage(method, builder.Uri);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "text/xml");
        }
        AwsSigV4.Sign(request, body ?? [], credentials, _partition.SigningRegion, Service, _time.GetUtcNow());
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        return (response.StatusCode, await BoundedBody.ReadStringAsync(response, BoundedBody.DefaultLimit, "Route53's answer", ct));
    }

    private static byte[] ChangeBatch(string action, string fqdn, string value)
    {
        // Element order is the API's XML schema order; Route53 rejects anything else.
        var document = new XDocument(new XDeclaration("1.0", "UTF-8", null),
            new XElement(Ns + "ChangeResourceRecordSetsRequest",
                new XElement(Ns + "ChangeBatch",
                    new XElement(Ns + "Changes",
                        new XElement(Ns + "Change",
                            new XElement(Ns + "Action", action),
                            new XElement(Ns + "ResourceRecordSet",
                                new XElement(Ns + "Name", fqdn),
                                new XElement(Ns + "Type", "TXT"),
                                new XElement(Ns + "SetIdentifier", value),
                                new XElement(Ns + "MultiValueAnswer", "true"),
                                new XElement(Ns + "TTL", Ttl),
                                new XElement(Ns + "ResourceRecords",
                                    new XElement(Ns + "ResourceRecord",
                                        new XElement(Ns + "Value", $"\"{value}\"")))))))));
        using var stream = new MemoryStream();
        using (var writer = XmlWriter.Create(stream, new XmlWriterSettings { Encoding = new UTF8Encoding(false) }))
            document.Save(writer);
        return stream.ToArray();
    }

    /// <summary>Both error shapes: &lt;ErrorResponse&gt;&lt;Error&gt;&lt;Code&gt; and the root &lt;InvalidChangeBatch&gt;&lt;Messages&gt;.</summary>
    private static (string Code, string Message) ParseError(string xml)
    {
        XElement root;
        try
        {
            root = XDocument.Parse(xml).Root ?? throw new XmlException("empty document");
        }
        catch (XmlException)
        {
            return ("Unknown", BoundedBody.Excerpt(xml, 200));
        }
        if (root.Name.LocalName == "InvalidChangeBatch")
        {
            var messages = root.Descendants().Where(e => e.Name.LocalName == "Message").Select(e => e.Value);
            return ("InvalidChangeBatch", BoundedBody.Excerpt(string.Join("; ", messages), MaxShownErrorChars));
        }
        var error = root.Name.LocalName == "Error" ? root : root.Elements().FirstOrDefault(e => e.Name.LocalName == "Error");
        string Child(string name) => error?.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value ?? "";
        return (BoundedBody.Excerpt(Child("Code") is { Length: > 0 } code ? code : root.Name.LocalName, 200), BoundedBody.Excerpt(Child("Message"), MaxShownErrorChars));
    }

    private static (Uri Endpoint, string SigningRegion) Partition(Route53Settings settings)
    {
        var (endpoint, signingRegion) = settings.Region switch
        {
            var r when r.StartsWith("cn-", StringComparison.Ordinal) => ("https://route53.amazonaws.com.cn", "cn-northwest-1"),
            var r when r.StartsWith("us-gov-", StringComparison.Ordinal) => ("https://route53.us-gov.amazonaws.com", "us-gov-west-1"),
            _ => ("https://route53.amazonaws.com", "us-east-1"),
        };
        return (settings.Endpoint ?? new Uri(endpoint), signingRegion);
    }

    private static string Fqdn(string name) => name.EndsWith('.') ? name : name + ".";

    private static string StripPrefix(string id, string prefix) =>
        id.StartsWith(prefix, StringComparison.Ordinal) ? id[prefix.Length..] : id;

    private sealed record HostedZone(string Id, string Name);
}
