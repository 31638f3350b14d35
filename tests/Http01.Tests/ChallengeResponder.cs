using System.Collections.Concurrent;
using CertFleet.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CertFleet.Http01.Tests;

/// <summary>A loopback HTTP server answering /.well-known/acme-challenge/{token} with whatever a test registered.</summary>
public sealed class ChallengeResponder : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ChallengeResponder(WebApplication app, ConcurrentDictionary<string, string> bodies, ConcurrentQueue<string> hosts, int port)
    {
        _app = app;
        Bodies = bodies;
        Hosts = hosts;
        Port = port;
    }

    /// <summary>Response body per token; tokens not in here get 404.</summary>
    public ConcurrentDictionary<string, string> Bodies { get; }

    /// <summary>The Host header of every request, to see what the check sent.</summary>
    public ConcurrentQueue<string> Hosts { get; }

    public int Port { get; }

    public static async Task<ChallengeResponder> StartAsync()
    {
        var app = LoopbackWebServer.Build();
        var bodies = new ConcurrentDictionary<string, string>();
        var hosts = new ConcurrentQueue<string>();
        app.MapGet("/.well-known/acme-challenge/{token}", (string token, HttpContext context) =>
        {
            hosts.Enqueue(context.Request.Host.Value ?? "");
            return bodies.TryGetValue(token, out var body) ? Results.Text(body) : Results.NotFound();
        });
        var address = (await app.StartListeningAsync())[0];
        return new ChallengeResponder(app, bodies, hosts, address.Port);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
