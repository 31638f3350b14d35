using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using CertFleet.Providers.Http;

namespace CertFleet.Providers.Http01;

/// <summary>
/// Requests the challenge URL the way the CA will: the name resolved through the configured nameservers, plain HTTP,
/// up to 10 redirects to any host (CAs follow them, RFC 8555 §8.3). At most 64 KiB of the answer is read, decoded by
/// <see cref="BoundedBody"/> (the handler decompresses nothing), all within the check's timeout. Network trouble and
/// refused answers are a failed check with a readable reason, never an exception.
/// </summary>
public sealed class Http01SelfCheck : IHttp01SelfCheck, IDisposable
{
    private const int MaxRedirects = 10;
    private const int ShownBodyLength = 50;

    /// <summary>A key authorization is under 200 bytes; anything much larger is not one.</summary>
    private const int MaxBodyBytes = 64 * 1024;

    private readonly Http01SelfCheckOptions _options;
    private readonly AddressResolver _resolver;
    private readonly HttpClient _client;

    public Http01SelfCheck(Http01SelfCheckOptions options)
    {
        _options = options;
        _resolver = new AddressResolver(options.Nameservers, options.Timeout);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = MaxRedirects,
            // Every connection resolves its host through our resolver, so redirects to other names do too.
            ConnectCallback = ConnectAsync,
            // CAs follow redirects to https without validating the certificate (RFC 8555 §8.3); so does the check.
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = delegate { return true; } },
            UseProxy = false,
            UseCookies = false,
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public async Task<Http01CheckResult> CheckAsync(string dnsName, string token, string expectedKeyAuthorization,
        CancellationToken ct = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.Timeout);
        var url = new UriBuilder(Uri.UriSchemeHttp, dnsName, _options.Port, $"/.well-known/acme-challenge/{token}").Uri;
        try
        {
            // A fresh connection per check: a pooled one could still point at an address the name no longer has.
            using var request = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { ConnectionClose = true } };
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (response.StatusCode != HttpStatusCode.OK)
                return Http01CheckResult.Failure($"wrong status code '{(int)response.StatusCode}', expected '200'");

            var body = (await BoundedBody.ReadStringAsync(response.Content, MaxBodyBytes, $"the answer of {url}", timeout.Token)).Trim();
            return body == expectedKeyAuthorization
                ? Http01CheckResult.Success
                : Http01CheckResult.Failure(
                    $"did not get expected response when querying endpoint, expected \"{expectedKeyAuthorization}\" but got: {Shorten(body)}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Http01CheckResult.Failure($"no response from {url} within {_options.Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException exception)
        {
            return Http01CheckResult.Failure(FindResolutionFailure(exception)?.Message ?? exception.Message);
        }
        catch (Exception exception) when (exception is ResponseBodyRefusedException or IOException or InvalidDataException)
        {
            return Http01CheckResult.Failure(exception.Message);
        }
    }

    public void Dispose() => _client.Dispose();

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var addresses = await _resolver.ResolveAsync(context.DnsEndPoint.Host, ct);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync([.. addresses], context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static DnsResolutionException? FindResolutionFailure(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
            if (exception is DnsResolutionException resolution)
                return resolution;
        return null;
    }

    private static string Shorten(string body) => body.Length <= ShownBodyLength ? body : body[..ShownBodyLength] + "... (truncated)";
}
