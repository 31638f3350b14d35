using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Acme;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Prometheus;

namespace CertFleet.Silo.Metrics;

/// <summary>Wires <see cref="CertManagerMetrics"/> into the silo and serves it on the metrics port.</summary>
public static class MetricsEndpoint
{
    public static IServiceCollection AddCertManagerMetrics(this IServiceCollection services)
    {
        services.TryAddSingleton<IRateLimitBudgetSnapshots, BudgetDirectorySnapshots>();
        services.AddSingleton<CertManagerMetrics>();
        services.AddSingleton<IAcmeRequestObserver>(provider => provider.GetRequiredService<CertManagerMetrics>());
        return services;
    }

    /// <summary>
    /// <c>/metrics</c> on <paramref name="port"/>, and nothing else there (health and dashboard stay on their ports),
    /// always in the text format 0.0.4 as cert-manager serves it: in OpenMetrics, counters would gain a <c>_total</c>
    /// suffix that cert-manager's names do not have.
    /// </summary>
    public static void MapCertManagerMetrics(this IApplicationBuilder app, int port)
    {
        var registry = app.ApplicationServices.GetRequiredService<CertManagerMetrics>().Registry;
        app.MapWhen(context => context.Connection.LocalPort == port, metrics =>
        {
            metrics.UseMetricServer(settings =>
            {
                settings.Registry = registry;
                settings.EnableOpenMetrics = false;
            }, "/metrics");
            metrics.Run(context =>
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
        });
    }
}
