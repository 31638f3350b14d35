using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CertFleet.Interfaces.Fleet;

namespace CertFleet.Kubernetes.Bridge.Cli;

/// <summary>
/// The fleet commands' view of a silo's fleet API (<c>/fleet/api/*</c> on the dashboard port, behind the dashboard's
/// credentials). Any silo answers for the whole fleet: the data lives in grains, not in the silo asked. Read through
/// the dashboard rather than the Kubernetes API because the members' data is not in any one cluster.
/// </summary>
public sealed class FleetApi : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly HttpClient _http;
    private readonly Uri _base;

    private FleetApi(Uri baseUri, AuthenticationHeaderValue authorization)
    {
        _base = baseUri;
        _http = new HttpClient { Timeout = Timeout };
        _http.DefaultRequestHeaders.Authorization = authorization;
    }

    /// <summary>The API named by --url (or CERTFLEET_URL) with the credentials of --token-file or --credentials-file (or their variables).</summary>
    /// <exception cref="CliException">No URL, a URL that is not http(s), no credentials, or an unreadable credentials file.</exception>
    public static FleetApi Connect(CliArguments args)
    {
        var url = args.Url ?? Environment.GetEnvironmentVariable("CERTFLEET_URL");
        if (string.IsNullOrWhiteSpace(url))
            throw CliException.Usage("the fleet commands read a silo's dashboard port: give its address with --url (or CERTFLEET_URL), " +
                                     "e.g. --url http://localhost:8081 after `kubectl -n cert-manager port-forward deploy/certfleet 8081`");
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw CliException.Usage($"--url \"{url}\" is not an http:// or https:// address such as http://localhost:8081");
        // The dashboard's address, with or without the page's path: the API is under /fleet/api.
        var path = uri.AbsolutePath.TrimEnd('/');
        if (path.EndsWith(FleetPath, StringComparison.Ordinal))
            path = path[..^FleetPath.Length];
        var baseUri = new UriBuilder(uri) { Path = path + FleetPath + "/api/", Query = "" }.Uri;
        return new FleetApi(baseUri, Authorization(args));
    }

    private const string FleetPath = "/fleet";

    public Task<FleetStatus> StatusAsync() => GetAsync<FleetStatus>("status");

    public Task<FleetCertificates> CertificatesAsync(string? expiring)
    {
        if (expiring is null)
            return GetAsync<FleetCertificates>("certificates");
        if (FleetWindow.Parse(expiring, out var problem) is not { } window)
            throw CliException.Usage($"--expiring: {problem}");
        return GetAsync<FleetCertificates>($"certificates?expiring={FleetWindow.Format(window)}");
    }

    public Task<FleetDuplicates> DuplicatesAsync() => GetAsync<FleetDuplicates>("duplicates");

    private async Task<T> GetAsync<T>(string path)
    {
        var uri = new Uri(_base, path);
        HttpResponseMessage response;
        try
        {
            response = await _http.GetAsync(uri);
        }
        catch (HttpRequestException exception)
        {
            throw CliException.Failure($"cannot reach the fleet API at {uri.GetLeftPart(UriPartial.Path)}: {exception.Message}");
        }
        catch (TaskCanceledException)
        {
            throw CliException.Failure($"the fleet API at {uri.GetLeftPart(UriPartial.Path)} did not answer within {Timeout.TotalSeconds:0} s");
        }
        using (response)
        {
            switch (response.StatusCode)
            {
                case HttpStatusCode.Unauthorized:
                    throw CliException.Failure($"the fleet API at {uri.GetLeftPart(UriPartial.Path)} refused the credentials (HTTP 401): give the dashboard's " +
                                               "token with --token-file or its user:password with --credentials-file (the files of the dashboard's Secret)");
                case HttpStatusCode.NotFound:
                    throw CliException.Failure($"{uri.GetLeftPart(UriPartial.Path)} is not a fleet API (HTTP 404): --url must name a silo's dashboard port " +
                                               "(dashboard.enabled, port 8081 by default), not its http or metrics port");
                case var code when !response.IsSuccessStatusCode:
                    var body = (await response.Content.ReadAsStringAsync()).Trim();
                    throw CliException.Failure($"the fleet API at {uri.GetLeftPart(UriPartial.Path)} answered HTTP {(int)code}" +
                                               (body.Length > 0 ? $": {body[..Math.Min(body.Length, 300)]}" : ""));
            }
            try
            {
                return await response.Content.ReadFromJsonAsync<T>(Json)
                    ?? throw CliException.Failure($"the fleet API at {uri.GetLeftPart(UriPartial.Path)} answered nothing");
            }
            catch (JsonException exception)
            {
                throw CliException.Failure($"{uri.GetLeftPart(UriPartial.Path)} did not answer as the fleet API does ({exception.Message}): is --url a CertFleet silo's dashboard port?");
            }
        }
    }

    private static AuthenticationHeaderValue Authorization(CliArguments args)
    {
        var tokenFile = args.TokenFile ?? Environment.GetEnvironmentVariable("CERTFLEET_TOKEN_FILE");
        var credentialsFile = args.CredentialsFile ?? Environment.GetEnvironmentVariable("CERTFLEET_CREDENTIALS_FILE");
        if (!string.IsNullOrWhiteSpace(tokenFile))
            return new AuthenticationHeaderValue("Bearer", ReadSecret(tokenFile, "--token-file"));
        if (!string.IsNullOrWhiteSpace(credentialsFile))
        {
            var credentials = ReadSecret(credentialsFile, "--credentials-file");
            if (credentials.IndexOf(':') <= 0)
                throw CliException.Usage($"--credentials-file \"{credentialsFile}\" must hold user:password on one line");
            return new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        }
        throw CliException.Usage("the fleet API needs the dashboard's credentials: --token-file PATH (bearer token) or " +
                                 "--credentials-file PATH (user:password), or CERTFLEET_TOKEN_FILE / CERTFLEET_CREDENTIALS_FILE");
    }

    /// <summary>A file's one value, without the line end `kubectl get secret ... | base64 -d > file` or an editor leaves.</summary>
    private static string ReadSecret(string path, string flag)
    {
        string value;
        try
        {
            value = File.ReadAllText(path).TrimEnd('\r', '\n');
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw CliException.Failure($"{flag} \"{path}\" cannot be read: {exception.Message}");
        }
        if (value.Length == 0)
            throw CliException.Usage($"{flag} \"{path}\" is empty");
        return value;
    }

    public void Dispose() => _http.Dispose();
}
