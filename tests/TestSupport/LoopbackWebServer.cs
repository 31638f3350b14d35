using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CertFleet.TestSupport;

/// <summary>The web server under every test fake: Kestrel on loopback ports the system picks, without logging.</summary>
public static class LoopbackWebServer
{
    /// <summary>
    /// An app listening on one loopback port: https with <paramref name="httpsCertificate"/> when given, else http;
    /// <paramref name="plainHttpToo"/> adds a second, http port beside the https one.
    /// </summary>
    public static WebApplication Build(X509Certificate2? httpsCertificate = null, bool plainHttpToo = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            if (httpsCertificate is null)
            {
                kestrel.Listen(IPAddress.Loopback, 0);
                return;
            }
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(httpsCertificate));
            if (plainHttpToo)
                kestrel.Listen(IPAddress.Loopback, 0);
        });
        return builder.Build();
    }

    /// <summary>Starts the app (20 s at most) and returns the addresses it listens on, as http(s)://127.0.0.1:port.</summary>
    public static async Task<IReadOnlyList<Uri>> StartListeningAsync(this WebApplication app)
    {
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(20)).ConfigureAwait(false);
        return app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
    }
}
