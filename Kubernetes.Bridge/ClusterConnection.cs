using CertFleet.Interfaces.Ports;
using k8s;
using Microsoft.Extensions.Logging;

namespace CertFleet.Kubernetes.Bridge;

/// <summary>
/// The API client of one cluster, with the limits every request goes through: a bounded number in flight, a timeout
/// per request, and retries for writes.
/// </summary>
public sealed class ClusterConnection : IDisposable
{
    private const int TransientAttempts = 3;
    private const int ConflictAttempts = 5;

    private readonly RequestSlots _requestSlots;
    private readonly ILogger _logger;

    private readonly ClusterSockets? _sockets;

    /// <param name="sockets">The client's connections, which <see cref="Dispose"/> closes.</param>
    public ClusterConnection(string name, IKubernetes client, BridgeOptions options, ILogger<ClusterConnection> logger,
        ClusterRegistration? registration = null, ApiReachability? reachability = null, ClusterSockets? sockets = null)
    {
        _sockets = sockets;
        Name = name;
        Reachability = reachability ?? new ApiReachability(TimeProvider.System);
        Registration = registration ?? ClusterRegistration.Home(name);
        Client = client;
        Options = options;
        _logger = logger;
        _requestSlots = new RequestSlots(options.MaxConcurrentRequests);
    }

    public string Name { get; }

    /// <summary>How this cluster joined the fleet (home, cluster Secret or ClusterProfile) and its labels.</summary>
    public ClusterRegistration Registration { get; }
    public IKubernetes Client { get; }

    /// <summary>Whether the API server answers this silo's requests (the handler sits in the client's chain; a client built without it reads as answering).</summary>
    public ApiReachability Reachability { get; }
    public BridgeOptions Options { get; }

    /// <summary>The versions this silo's writes produced here, whose echoes the watch drops (see <see cref="Dispatch.OwnWrites"/>).</summary>
    public Dispatch.OwnWrites OwnWrites { get; } = new();

    /// <summary>
    /// Sends one request once a slot is free, bounded by <see cref="BridgeOptions.RequestTimeout"/>. A request that
    /// runs out of time fails with <see cref="TimeoutException"/>; one cancelled by <paramref name="ct"/> with
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    public async Task<T> SendAsync<T>(Func<IKubernetes, CancellationToken, Task<T>> request, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Options.RequestTimeout);
        try
        {
            await _requestSlots.WaitAsync(timeout.Token);
            try
            {
                return await request(Client, timeout.Token);
            }
            finally
            {
                _requestSlots.Release();
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer within {Options.RequestTimeout.TotalSeconds:0} s");
        }
    }

    /// <summary>
    /// Runs <paramref name="operation"/> (one or more requests that are safe to repeat) until it succeeds, retrying
    /// conflicts a few times and transient failures twice, all within <see cref="BridgeOptions.WriteDeadline"/>.
    /// Anything else fails with a <see cref="ClusterWriteException"/> whose message starts with
    /// <paramref name="description"/> ("writing Secret default/web-tls").
    /// </summary>
    public async Task<T> RunAsync<T>(string description, Func<CancellationToken, Task<T>> operation, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(Options.WriteDeadline);
        for (var attempt = 1; ; attempt++)
        {
            ApiError error;
            try
            {
                return await operation(deadline.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new ClusterWriteException(
                    $"{description}: no result within {Options.WriteDeadline.TotalSeconds:0} s") { StatusCode = ApiError.NoAnswer };
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                error = ApiError.From(exception) ?? new ApiError(ApiError.NoAnswer, exception.GetType().Name, exception.Message);
                var retry = error.IsConflict ? attempt < ConflictAttempts : error.IsTransient && attempt < TransientAttempts;
                if (!retry)
                {
                    using (ClusterLogScope.Begin(_logger, Name))
                        _logger.LogDebug(exception, "{Operation} failed on cluster {Cluster} after {Attempts} attempts",
                            description, Name, attempt);
                    // The message carries everything useful; the client's exception types do not cross grain calls.
                    throw new ClusterWriteException($"{description}: {error.Describe()}") { StatusCode = error.StatusCode };
                }
            }

            using (ClusterLogScope.Begin(_logger, Name))
                _logger.LogDebug("{Operation}: {Error}; retrying (attempt {Attempt})", description, error.Describe(), attempt + 1);
            try
            {
                await Task.Delay(RetryBackoffs.Write.Delay(attempt), deadline.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new ClusterWriteException($"{description}: {error.Describe()}") { StatusCode = error.StatusCode };
            }
        }
    }

    /// <inheritdoc cref="RunAsync{T}"/>
    public Task RunAsync(string description, Func<CancellationToken, Task> operation, CancellationToken ct) =>
        RunAsync(description, async token =>
        {
            await operation(token);
            return true;
        }, ct);

    /// <summary>Closes the client, and with it every watch still open: a cluster that left hears nothing more from us.</summary>
    public void Dispose()
    {
        Client.Dispose();
        _sockets?.CloseAll();
    }
}
