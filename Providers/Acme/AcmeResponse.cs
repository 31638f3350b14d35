using System.Net.Http.Headers;

namespace CertFleet.Providers.Acme;

/// <summary>A completed HTTP exchange with its body already read (within the request timeout).</summary>
internal sealed record AcmeResponse(int StatusCode, HttpResponseHeaders Headers, string Body, Uri RequestUri)
{
    /// <summary>The Location header resolved against the request URL.</summary>
    public string? Location => Headers.Location is { } location ? new Uri(RequestUri, location).AbsoluteUri : null;
}
