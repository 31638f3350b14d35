using CertFleet.Grains.Acme;

namespace CertFleet.Silo;

/// <summary>
/// Answers the CA's HTTP-01 requests on the solver port, which the solver Service (and through it the Ingress or
/// HTTPRoute) points at. Any silo answers any token from its copy of the live tokens (<see cref="Http01Tokens"/>), and
/// only for the host its Challenge names, as cert-manager's solver checks the Host header.
/// </summary>
public sealed class Http01Responder(Http01Tokens tokens)
{
    public const string PathPrefix = "/.well-known/acme-challenge/";

    /// <summary>RFC 8555 tokens are base64url; the bound keeps lookups by strangers small.</summary>
    public const int MaxTokenLength = 256;

    /// <summary>
    /// Serves every request that arrives on <paramref name="solverPort"/>, so nothing else (health, dashboard) is
    /// reachable through the solver route, and the challenge path is not served on the other ports.
    /// </summary>
    public static void Map(IApplicationBuilder app, int solverPort) =>
        app.MapWhen(context => context.Connection.LocalPort == solverPort,
            solver => solver.Run(context => context.RequestServices.GetRequiredService<Http01Responder>().RespondAsync(context)));

    public async Task RespondAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        var token = path.StartsWith(PathPrefix, StringComparison.Ordinal) ? path[PathPrefix.Length..] : "";
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) || !IsWellFormedToken(token))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var known = await tokens.FindAsync(token, context.RequestAborted);
        if (known is null || !IsFor(context.Request.Host, known.DnsName))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync(known.KeyAuthorization, context.RequestAborted);
    }

    public static bool IsWellFormedToken(string token) =>
        token.Length is > 0 and <= MaxTokenLength && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>
    /// The request's Host names the Challenge's dnsName: letter case, a port and a trailing dot aside (an IPv6
    /// identifier arrives in brackets, which <see cref="HostString.Host"/> keeps).
    /// </summary>
    public static bool IsFor(HostString host, string dnsName) =>
        host.HasValue && string.Equals(host.Host.Trim('[', ']').TrimEnd('.'), dnsName.Trim('[', ']').TrimEnd('.'), StringComparison.OrdinalIgnoreCase);
}
