using System.Net;

namespace CertFleet.Kubernetes.Bridge;

/// <summary>
/// Whether one cluster's API server answers, learnt from the requests this silo sends it anyway (watches, Lease
/// renewals, writes), never from probes of its own. Any HTTP answer counts as reachable except a gateway's 502/503/504;
/// no answer (connection refused or cut, no answer in time) counts as unreachable from the first such request until
/// the next answer.
/// </summary>
public sealed class ApiReachability(TimeProvider clock) : DelegatingHandler
{
    private readonly Lock _lock = new();
    private DateTimeOffset? _unreachableSince;
    private string? _lastError;

    /// <summary>When the current outage began (the first unanswered request since the last answer); null while answering.</summary>
    public DateTimeOffset? UnreachableSince
    {
        get
        {
            lock (_lock)
                return _unreachableSince;
        }
    }

    /// <summary>What the first request of the current outage got instead of an answer; null while answering.</summary>
    public string? LastError
    {
        get
        {
            lock (_lock)
                return _lastError;
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException exception)
        {
            Failed(exception.Message);
            throw;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient's own timeout, not a caller that stopped waiting.
            Failed("no answer in time");
            throw;
        }
        if (response.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout)
            Failed($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
        else
            Answered();
        return response;
    }

    private void Failed(string error)
    {
        lock (_lock)
        {
            if (_unreachableSince is not null)
                return;
            _unreachableSince = clock.GetUtcNow();
            _lastError = error;
        }
    }

    private void Answered()
    {
        lock (_lock)
        {
            _unreachableSince = null;
            _lastError = null;
        }
    }
}
