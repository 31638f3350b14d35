namespace CertFleet.Kubernetes.Bridge;

/// <summary>
/// Reads each response body to the end asynchronously before KubernetesClient sees it. The client deserialises bodies
/// with a synchronous Stream read, which on an unbuffered HTTP/2 stream parks the calling thread (an Orleans scheduler
/// thread, when a grain writes) until the last frame arrives. Watches stay streamed.
/// </summary>
public sealed class BufferedResponseHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!IsWatch(request.RequestUri))
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        }
        return response;
    }

    private static bool IsWatch(Uri? uri) =>
        uri?.Query.Contains("watch=true", StringComparison.OrdinalIgnoreCase) == true;
}
