using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CertFleet.Http01.Tests;

/// <summary>A loopback HTTP server answering /.well-known/acme-challenge/{token} with whatever a test registered.</summary>
public sealed class ChallengeResponder : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ChallengeResponder(WebApplication app, ConcurrentDictionary<string, string> bodies, ConcurrentQueue<string> hosts)
    {
        _app = app;
        Bodies = bodies;
        Hosts = hosts;
        // After start, Urls holds the port the system chose for :0.
        Port = new Uri(app.Urls.Single()).Port;
    }

    /// <summary>Response body per token; tokens not in here get 404.</summary>
    public ConcurrentDictionary<string, string> Bodies { get; }

    /// <summary>The Host header of every request, to see what the check sent.</summary>
    public ConcurrentQueue<string> Hosts { get; }

    public int Port { get; }

    public static async Task<ChallengeResponder> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var bodies = new ConcurrentDictionary<string, string>();
        var hosts = new ConcurrentQueue<string>();
        app.MapGet("/.well-known/acme-challenge/{token}", (string token, HttpContext context) =>
        {
            hosts.Enqueue(context.Request.Host.Value ?? "");
            return bodies.TryGetValue(token, out var body) ? Results.Text(body) : Results.NotFound();
        });
        await app.StartAsync();
        return new ChallengeResponder(app, bodies, hosts);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
