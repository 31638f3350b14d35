using System.Text.Json;
using System.Text.Json.Serialization;
using CertFleet.Interfaces.Fleet;

namespace CertFleet.Silo.Dashboard;

/// <summary>
/// The fleet page and its JSON API, served beside the Orleans dashboard (its port, its credentials):
/// <c>/fleet</c> (the page), <c>/fleet/api/status</c>, <c>/fleet/api/certificates[?expiring=30d]</c> and
/// <c>/fleet/api/fleetcertificates</c> and <c>/fleet/api/duplicates</c>. The CLI's <c>fleet</c> commands read the same API.
/// </summary>
public static class FleetEndpoint
{
    public const string Path = "/fleet";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public static void MapFleet(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Path, () => Asset("fleet.html", "text/html; charset=utf-8"));
        endpoints.MapGet($"{Path}/fleet.js", () => Asset("fleet.js", "text/javascript; charset=utf-8"));
        endpoints.MapGet($"{Path}/api/status", async (FleetQueries fleet, HttpContext context) =>
            Answer(context, await fleet.StatusAsync(context.RequestAborted)));
        endpoints.MapGet($"{Path}/api/certificates", async (FleetQueries fleet, HttpContext context, string? expiring) =>
        {
            TimeSpan? window = null;
            if (!string.IsNullOrEmpty(expiring) && (window = FleetWindow.Parse(expiring, out var problem)) is null)
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: $"expiring: {problem}");
            return Answer(context, await fleet.CertificatesAsync(window, context.RequestAborted));
        });
        endpoints.MapGet($"{Path}/api/fleetcertificates", async (FleetQueries fleet, HttpContext context) =>
            Answer(context, await fleet.FleetCertificatesAsync(context.RequestAborted)));
        endpoints.MapGet($"{Path}/api/duplicates", async (FleetQueries fleet, HttpContext context) =>
            Answer(context, await fleet.DuplicatesAsync(context.RequestAborted)));
    }

    private static IResult Answer<T>(HttpContext context, T value)
    {
        // Certificate names and cluster health: never kept by a browser or a proxy between two credentialed reads.
        context.Response.Headers.CacheControl = "no-store";
        return Results.Json(value, Json);
    }

    private static IResult Asset(string name, string contentType)
    {
        var stream = typeof(FleetEndpoint).Assembly.GetManifestResourceStream($"CertFleet.Silo.Dashboard.{name}")
            ?? throw new InvalidOperationException($"the fleet page's {name} is not embedded in the silo");
        return Results.Stream(stream, contentType);
    }
}
