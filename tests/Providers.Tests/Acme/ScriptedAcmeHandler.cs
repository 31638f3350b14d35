using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace CertFleet.Providers.Tests.Acme;

/// <summary>
/// An in-memory ACME server for protocol edge cases Pebble can't be made to produce: serves a directory (without a
/// nonce, like Let's Encrypt), hands out numbered nonces, and answers every other request with the next scripted
/// reply. Records what it received.
/// </summary>
internal sealed class ScriptedAcmeHandler : HttpMessageHandler
{
    public const string Directory = "https://ca.test/dir";
    private readonly ConcurrentQueue<Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>> _replies = new();
    private int _nonce;

    public ConcurrentQueue<(HttpRequestMessage Request, string Body)> Received { get; } = new();

    /// <summary>The directory served; tests of optional endpoints (renewalInfo) replace it.</summary>
    public string DirectoryJson { get; set; } = """
        {"newNonce":"https://ca.test/nonce","newAccount":"https://ca.test/acct","newOrder":"https://ca.test/order",
         "revokeCert":"https://ca.test/revoke","keyChange":"https://ca.test/key","meta":{"profiles":{"classic":"90 days"}}}
        """;

    public void Reply(HttpStatusCode status, string body, string contentType = "application/problem+json", Action<HttpResponseMessage>? configure = null) =>
        _replies.Enqueue((_, _) =>
        {
            var response = new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, contentType) };
            configure?.Invoke(response);
            return Task.FromResult(response);
        });

    public void Hang() => _replies.Enqueue(async (_, ct) =>
    {
        await Task.Delay(Timeout.Infinite, ct);
        throw new InvalidOperationException("unreachable");
    });

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        Received.Enqueue((request, body));
        HttpResponseMessage response;
        if (request.RequestUri!.AbsoluteUri == Directory)
        {
            response = new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent(DirectoryJson, Encoding.UTF8, "application/json"),
            };
        }
        else if (request.Method == HttpMethod.Head)
        {
            response = new HttpResponseMessage(HttpStatusCode.OK);
        }
        else if (_replies.TryDequeue(out var reply))
        {
            response = await reply(request, cancellationToken);
        }
        else
        {
            throw new InvalidOperationException($"no scripted reply for {request.Method} {request.RequestUri}");
        }
        if (request.RequestUri.AbsoluteUri != Directory)
        {
            response.Headers.Add("Replay-Nonce", "nonce-" + Interlocked.Increment(ref _nonce));
        }
        return response;
    }
}
