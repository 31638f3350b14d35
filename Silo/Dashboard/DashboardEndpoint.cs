using Orleans.Dashboard;

namespace CertFleet.Silo.Dashboard;

/// <summary>
/// Serves the Orleans dashboard and the fleet page (<see cref="FleetEndpoint"/>) on their own port only, chosen by the port the connection arrived on (never by the Host
/// header, which the client writes), and only to requests that carry the configured credentials.
/// </summary>
public static class DashboardEndpoint
{
    public static void MapDashboard(this IApplicationBuilder app, DashboardSettings settings)
    {
        var port = settings.Port!.Value;
        var credentials = new DashboardCredentials(settings.CredentialsFile, settings.BearerTokenFile);
        app.MapWhen(context => context.Connection.LocalPort == port, dashboard =>
        {
            dashboard.Use(async (context, next) =>
            {
                if (credentials.Allows(context.Request.Headers.Authorization))
                {
                    await next(context);
                    return;
                }
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = credentials.Challenges.ToArray();
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("credentials required\n", context.RequestAborted);
            });
            dashboard.UseRouting();
            dashboard.UseEndpoints(endpoints =>
            {
                endpoints.MapOrleansDashboard(settings.Path);
                endpoints.MapFleet();
            });
        });
    }
}
