using System.Globalization;
using System.Net;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using CertFleet.Providers.Http;

namespace CertFleet.Providers.Dns01;

/// <summary>
/// Route53's <c>role</c>: STS AssumeRole signed with the base credentials or, given a web identity token (a Kubernetes
/// service account token), the unsigned AssumeRoleWithWebIdentity; the session credentials are cached until a minute
/// before they expire.
/// </summary>
internal sealed class AwsRoleCredentials(string roleArn, string? webIdentityToken, Uri stsEndpoint, HttpClient http, TimeProvider time)
{
    public static readonly Uri DefaultStsEndpoint = new("https://sts.amazonaws.com");

    // The global STS endpoint signs as us-east-1.
    private const string SigningRegion = "us-east-1";
    private const int DurationSeconds = 900;
    private static readonly XNamespace Ns = "https://sts.amazonaws.com/doc/2011-06-15/";
    private static readonly TimeSpan RenewBefore = TimeSpan.FromMinutes(1);

    // Apex and wildcard challenges run concurrently; one AssumeRole serves both.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (AwsCredentials Credentials, DateTimeOffset RenewAt)? _cached;

    public async Task<AwsCredentials> GetAsync(Func<CancellationToken, Task<AwsCredentials>> baseCredentials, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (_cached is { } cached && time.GetUtcNow() < cached.RenewAt)
                return cached.Credentials;
            var (credentials, expiration) = webIdentityToken is null
                ? await AssumeRoleAsync(await baseCredentials(ct), ct)
                : await AssumeRoleWithWebIdentityAsync(webIdentityToken, ct);
            _cached = (credentials, expiration - RenewBefore);
            return credentials;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<(AwsCredentials, DateTimeOffset Expiration)> AssumeRoleAsync(AwsCredentials baseCredentials, CancellationToken ct)
    {
        var body = Encoding.UTF8.GetBytes(
            $"Action=AssumeRole&Version=2011-06-15&RoleArn={Uri.EscapeDataString(roleArn)}&RoleSessionName={SessionName()}&DurationSeconds={DurationSeconds}");
        using var request = FormPost(body);
        AwsSigV4.Sign(request, body, baseCredentials, SigningRegion, "sts", time.GetUtcNow());
        return await SessionAsync(request, "AssumeRole", ct);
    }

    /// <summary>The token is the credential, so STS takes this call unsigned.</summary>
    private async Task<(AwsCredentials, DateTimeOffset Expiration)> AssumeRoleWithWebIdentityAsync(string token, CancellationToken ct)
    {
        var body = Encoding.UTF8.GetBytes(
            $"Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn={Uri.EscapeDataString(roleArn)}&RoleSessionName={SessionName()}"
            + $"&WebIdentityToken={Uri.EscapeDataString(token)}&DurationSeconds={DurationSeconds}");
        using var request = FormPost(body);
        return await SessionAsync(request, "AssumeRoleWithWebIdentity", ct);
    }

    private static string SessionName() => "certfleet-" + Guid.NewGuid().ToString("N")[..12];

    private HttpRequestMessage FormPost(byte[] body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, stsEndpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
        return request;
    }

    private async Task<(AwsCredentials, DateTimeOffset Expiration)> SessionAsync(HttpRequestMessage request, string action, CancellationToken ct)
    {
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        var xml = await BoundedBody.ReadStringAsync(response, BoundedBody.DefaultLimit, "STS's answer", ct);

        XElement? root = null;
        try
        {
            root = XDocument.Parse(xml).Root;
        }
        catch (XmlException)
        {
            // Not XML (a proxy's page, say): reported below with the raw text.
        }
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var error = root?.Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
            var code = error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value ?? "Unknown";
            var message = error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value ?? BoundedBody.Excerpt(xml, 200);
            throw new Dns01ProviderException(
                $"route53: {action} {roleArn}: {BoundedBody.Excerpt(code, 200)}: {BoundedBody.Excerpt(message, Route53Provider.MaxShownErrorChars)} (HTTP {(int)response.StatusCode})");
        }

        var found = root?.Element(Ns + action + "Result")?.Element(Ns + "Credentials");
        string? Field(string name) => (string?)found?.Element(Ns + name);
        if (root?.Name != Ns + action + "Response"
            || Field("AccessKeyId") is not { Length: > 0 } accessKeyId
            || Field("SecretAccessKey") is not { Length: > 0 } secretAccessKey
            || Field("SessionToken") is not { Length: > 0 } sessionToken
            || !DateTimeOffset.TryParse(Field("Expiration"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var expiration))
            throw new Dns01ProviderException($"route53: {action} {roleArn}: STS answered without usable credentials");
        return (new AwsCredentials(accessKeyId, secretAccessKey, sessionToken), expiration);
    }
}
