using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Logging;

namespace CertFleet.Kubernetes.Bridge.Hosting;

/// <summary>
/// Campaigns for the cluster's Lease for as long as the silo runs and, while it holds the Lease, runs
/// <paramref name="lead"/> (the reflectors). Only one silo per cluster leads; losing the Lease cancels the work.
/// On shutdown a leader gives the Lease up, so another silo takes over without waiting for it to expire. Every answer
/// the API server gives the election (each candidate reads the Lease every RetryPeriod) is timed in
/// <see cref="LastAnswer"/>, which readiness reads instead of asking the API server itself.
/// </summary>
public sealed class ClusterLeaderElection(
    ClusterConnection connection,
    Func<CancellationToken, Task> lead,
    ILogger<ClusterLeaderElection> logger)
{
    private readonly BridgeOptions _options = connection.Options;
    private volatile bool _leading;
    private bool _reportedMissingNamespace;
    private long _lastAnswerTicks;

    public bool IsLeading => _leading;

    /// <summary>When the API server last answered a Lease read or write (null: not yet).</summary>
    public DateTimeOffset? LastAnswer =>
        Interlocked.Read(ref _lastAnswerTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    public async Task RunAsync(CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            var led = await CampaignOnceAsync(ct);
            failures = led ? 0 : failures + 1;
            if (led && ct.IsCancellationRequested)
                await ReleaseAsync();
            try
            {
                await Task.Delay(failures == 0 ? _options.RetryPeriod : RetryBackoffs.Watch.Delay(failures), ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>One term: waits for the Lease, leads until it is lost; returns whether this silo led.</summary>
    private async Task<bool> CampaignOnceAsync(CancellationToken ct)
    {
        var leaseLock = new LeaseLock(connection.Client, _options.EffectiveLeaseNamespace, _options.LeaseName, _options.Identity);
        leaseLock.OnHttpError += OnLockError;
        using var elector = new LeaderElector(new LeaderElectionConfig(new AnswerTimingLock(leaseLock, RecordAnswer))
        {
            LeaseDuration = _options.LeaseDuration,
            RenewDeadline = _options.RenewDeadline,
            RetryPeriod = _options.RetryPeriod,
        });

        CancellationTokenSource? term = null;
        Task? work = null;
        elector.OnStartedLeading += () =>
        {
            _leading = true;
            _reportedMissingNamespace = false;
            logger.LogInformation("Leading cluster {Cluster} as {Identity}: starting the watches", connection.Name, _options.Identity);
            term = CancellationTokenSource.CreateLinkedTokenSource(ct);
            work = Task.Run(() => LeadAsync(term.Token), CancellationToken.None);
        };
        elector.OnStoppedLeading += () =>
        {
            _leading = false;
            term?.Cancel();
            logger.LogInformation("Stopped leading cluster {Cluster}: watches stopped", connection.Name);
        };
        elector.OnNewLeader += leader => logger.LogInformation("Cluster {Cluster} is led by {Leader}", connection.Name, leader);
        elector.OnError += exception => logger.LogDebug("Leader election on cluster {Cluster}: {Error}", connection.Name,
            ApiError.From(exception)?.Describe() ?? exception.Message);

        try
        {
            await elector.RunUntilLeadershipLostAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            logger.LogWarning("Leader election on cluster {Cluster} failed: {Error}; trying again", connection.Name,
                ApiError.From(exception)?.Describe() ?? exception.Message);
        }
        finally
        {
            _leading = false;
            leaseLock.OnHttpError -= OnLockError;
            term?.Cancel();
            if (work is not null)
                await work; // never two terms' watches at once
            term?.Dispose();
        }
        return work is not null;
    }

    /// <summary>Runs the work for the whole term; should it ever end on its own, it is started again.</summary>
    private async Task LeadAsync(CancellationToken ct)
    {
        for (var restarts = 1; !ct.IsCancellationRequested; restarts++)
        {
            try
            {
                await lead(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                logger.LogError(exception, "The watches of cluster {Cluster} stopped unexpectedly; restarting them", connection.Name);
            }

            try
            {
                await Task.Delay(RetryBackoffs.Watch.Delay(restarts), ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void RecordAnswer() => Interlocked.Exchange(ref _lastAnswerTicks, DateTimeOffset.UtcNow.UtcTicks);

    private void OnLockError(k8s.Autorest.HttpOperationException exception)
    {
        var error = ApiError.From(exception);
        var ns = _options.EffectiveLeaseNamespace;
        if (error is { IsNotFound: true } && error.Message.Contains($"namespaces \"{ns}\" not found", StringComparison.Ordinal))
        {
            if (!_reportedMissingNamespace)
                logger.LogError(
                    "Cannot take the leader-election Lease {Namespace}/{Lease} on cluster {Cluster}: namespace {Namespace} does not exist. " +
                    "Create it, or set CertFleet__ClusterResourceNamespace (or CertFleet__LeaseNamespace) to an existing namespace. Retrying.",
                    ns, _options.LeaseName, connection.Name, ns);
            _reportedMissingNamespace = true;
            return;
        }
        logger.LogDebug("Lease {Namespace}/{Lease}: {Error}", ns, _options.LeaseName, error?.Describe() ?? exception.Message);
    }

    /// <summary>Empties the holder (as client-go's ReleaseOnCancel does) so that the next candidate need not wait.</summary>
    private async Task ReleaseAsync()
    {
        try
        {
            var ns = _options.EffectiveLeaseNamespace;
            var lease = await connection.SendAsync((client, t) =>
                client.CoordinationV1.ReadNamespacedLeaseAsync(_options.LeaseName, ns, cancellationToken: t), CancellationToken.None);
            if (lease.Spec?.HolderIdentity != _options.Identity)
                return;
            lease.Spec.HolderIdentity = "";
            lease.Spec.LeaseDurationSeconds = 1;
            lease.Spec.RenewTime = DateTime.UtcNow;
            await connection.SendAsync((client, t) =>
                client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, _options.LeaseName, ns, cancellationToken: t),
                CancellationToken.None);
            logger.LogInformation("Released the Lease of cluster {Cluster}", connection.Name);
        }
        catch (Exception exception)
        {
            logger.LogDebug("Could not release the Lease of cluster {Cluster}: {Error}", connection.Name,
                ApiError.From(exception)?.Describe() ?? exception.Message);
        }
    }

    /// <summary>
    /// The Lease lock, timing each answer: a result, or the 404 and 409 that the election's read-create-update cycle
    /// expects. No answer, a 5xx, or a refusal (401, 403) leaves the time alone.
    /// </summary>
    private sealed class AnswerTimingLock(ILock inner, Action answered) : ILock
    {
        public string Identity => inner.Identity;

        public string Describe() => inner.Describe();

        public Task<LeaderElectionRecord> GetAsync(CancellationToken cancellationToken = default) => TimedAsync(inner.GetAsync(cancellationToken));

        public Task<bool> CreateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default) =>
            TimedAsync(inner.CreateAsync(record, cancellationToken));

        public Task<bool> UpdateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default) =>
            TimedAsync(inner.UpdateAsync(record, cancellationToken));

        private async Task<T> TimedAsync<T>(Task<T> call)
        {
            try
            {
                var result = await call;
                answered();
                return result;
            }
            catch (k8s.Autorest.HttpOperationException exception)
                when (exception.Response?.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.Conflict)
            {
                answered();
                throw;
            }
        }
    }
}
