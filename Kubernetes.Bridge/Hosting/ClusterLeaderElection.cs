using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Logging;

namespace CertFleet.Kubernetes.Bridge.Hosting;

/// <summary>
/// Campaigns for the cluster's Lease for as long as the silo runs and, while it holds the Lease, runs
/// <paramref name="lead"/> (the reflectors). Only one silo per cluster leads; losing the Lease cancels the work.
/// The Lease lives in the home cluster (<paramref name="home"/>, its lease namespace), so a member whose API server is
/// unreachable keeps its watcher. <paramref name="mayAcquire"/> decides whether to take a free Lease (the spread over
/// the silos); renewals are never held back. On shutdown a leader gives the Lease up, so another silo takes over without
/// waiting for it to expire; <see cref="StepDown"/> hands it to another silo. Every answer the home API server gives the
/// election (each candidate reads the Lease every RetryPeriod) is timed in <see cref="LastAnswer"/>, which readiness
/// reads instead of asking the API server itself.
/// </summary>
public sealed class ClusterLeaderElection(
    ClusterConnection connection,
    ClusterConnection home,
    Func<CancellationToken, Task> lead,
    Func<LeaseState, TimeSpan, bool> mayAcquire,
    ILogger<ClusterLeaderElection> logger)
{
    private readonly BridgeOptions _options = home.Options;
    private readonly Func<LeaseState, TimeSpan, bool> _mayAcquire = mayAcquire;
    private readonly string _leaseName = WatchSpread.LeaseNameOf(home.Options.LeaseName, connection.Registration);
    private volatile bool _leading;
    private volatile bool _steppingDown;
    private volatile CancellationTokenSource? _campaign;
    private volatile ObservedLease? _observed;
    private bool _reportedMissingNamespace;
    private long _lastAnswerTicks;

    public bool IsLeading => _leading;

    /// <summary>Handing its Lease to another silo: still leading until the watches stopped.</summary>
    public bool SteppingDown => _steppingDown;

    /// <summary>The Lease this election campaigns for, in the home cluster's lease namespace.</summary>
    public string LeaseName => _leaseName;

    /// <summary>
    /// The silo whose watches run now: the Lease's holder as this silo last read it, while it renews (null: none, or
    /// not read yet).
    /// </summary>
    public string? Holder
    {
        get
        {
            if (_leading)
                return _options.Identity;
            return _observed is { Holder: { Length: > 0 } holder } observed && DateTimeOffset.UtcNow - observed.Since < observed.Duration
                ? holder
                : null;
        }
    }

    /// <summary>Ends this silo's term and gives the Lease to a silo below its share; no effect unless leading.</summary>
    public void StepDown()
    {
        if (!_leading || _steppingDown)
            return;
        _steppingDown = true;
        try
        {
            _campaign?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // the term ended meanwhile
        }
    }

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
            if (led && (ct.IsCancellationRequested || _steppingDown))
                await ReleaseAsync(handOff: !ct.IsCancellationRequested);
            _steppingDown = false;
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
        var leaseLock = new LeaseLock(home.Client, _options.EffectiveLeaseNamespace, _leaseName, _options.Identity);
        leaseLock.OnHttpError += OnLockError;
        using var campaign = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _campaign = campaign;
        using var elector = new LeaderElector(new LeaderElectionConfig(new ElectionLock(this, leaseLock))
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
            await elector.RunUntilLeadershipLostAsync(campaign.Token);
        }
        catch (OperationCanceledException) when (campaign.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            logger.LogWarning("Leader election on cluster {Cluster} failed: {Error}; trying again", connection.Name,
                ApiError.From(exception)?.Describe() ?? exception.Message);
        }
        finally
        {
            _campaign = null;
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
                    ns, _leaseName, home.Name, ns);
            _reportedMissingNamespace = true;
            return;
        }
        logger.LogDebug("Lease {Namespace}/{Lease}: {Error}", ns, _leaseName, error?.Describe() ?? exception.Message);
    }

    /// <summary>
    /// Empties the holder (as client-go's ReleaseOnCancel does) so that the next candidate need not wait. A stopping
    /// silo also shortens the duration to 1 s, which tells every silo to take it at once (<see cref="LeaseState.Released"/>);
    /// a hand-off keeps it, for a silo below its share (<see cref="LeaseState.HandedOff"/>).
    /// </summary>
    private async Task ReleaseAsync(bool handOff)
    {
        try
        {
            var ns = _options.EffectiveLeaseNamespace;
            var lease = await home.SendAsync((client, t) =>
                client.CoordinationV1.ReadNamespacedLeaseAsync(_leaseName, ns, cancellationToken: t), CancellationToken.None);
            if (lease.Spec?.HolderIdentity != _options.Identity)
                return;
            lease.Spec.HolderIdentity = "";
            if (!handOff)
                lease.Spec.LeaseDurationSeconds = 1;
            lease.Spec.RenewTime = DateTime.UtcNow;
            await home.SendAsync((client, t) =>
                client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, _leaseName, ns, cancellationToken: t),
                CancellationToken.None);
            logger.LogInformation(handOff ? "Handed the Lease of cluster {Cluster} to another silo" : "Released the Lease of cluster {Cluster}",
                connection.Name);
        }
        catch (Exception exception)
        {
            logger.LogDebug("Could not release the Lease of cluster {Cluster}: {Error}", connection.Name,
                ApiError.From(exception)?.Describe() ?? exception.Message);
        }
    }

    /// <summary>What the Lease said when this silo last saw it change.</summary>
    private sealed record ObservedLease(string? Holder, DateTime? RenewTime, TimeSpan Duration, DateTimeOffset Since);

    /// <summary>
    /// The Lease lock as the election uses it: times each answer (a result, or the 404 and 409 that the election's
    /// read-create-update cycle expects; no answer, a 5xx, or a refusal leaves the time alone), remembers the holder,
    /// and asks <c>mayAcquire</c> before taking the Lease: the elector only creates or updates a Lease it is not renewing
    /// when it is missing, empty or expired.
    /// </summary>
    private sealed class ElectionLock(ClusterLeaderElection election, ILock inner) : ILock
    {
        private LeaderElectionRecord? _read;
        private bool _triedSinceRead;
        private DateTimeOffset? _refusedSince;

        public string Identity => inner.Identity;

        public string Describe() => inner.Describe();

        public async Task<LeaderElectionRecord> GetAsync(CancellationToken cancellationToken = default)
        {
            // A read with no take in between means someone else held the Lease: waiting starts again.
            if (!_triedSinceRead)
                _refusedSince = null;
            _triedSinceRead = false;
            try
            {
                _read = await TimedAsync(inner.GetAsync(cancellationToken));
            }
            catch (k8s.Autorest.HttpOperationException exception) when (exception.Response?.StatusCode is System.Net.HttpStatusCode.NotFound)
            {
                _read = null;
                election._observed = null;
                throw;
            }
            var observed = election._observed;
            if (observed is null || observed.Holder != _read?.HolderIdentity || observed.RenewTime != _read?.RenewTime)
                election._observed = new ObservedLease(_read?.HolderIdentity, _read?.RenewTime,
                    TimeSpan.FromSeconds(_read?.LeaseDurationSeconds ?? 0), DateTimeOffset.UtcNow);
            return _read!;
        }

        public Task<bool> CreateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default) =>
            MayTake() ? TimedAsync(inner.CreateAsync(record, cancellationToken)) : Task.FromResult(false);

        public Task<bool> UpdateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default) =>
            MayTake() ? TimedAsync(inner.UpdateAsync(record, cancellationToken)) : Task.FromResult(false);

        private bool MayTake()
        {
            if (election._leading)
                return true;
            _triedSinceRead = true;
            var state = _read switch
            {
                null => LeaseState.Absent,
                { HolderIdentity: { Length: > 0 } } => LeaseState.Orphaned,
                { LeaseDurationSeconds: <= 1 } => LeaseState.Released,
                _ => LeaseState.HandedOff,
            };
            var now = DateTimeOffset.UtcNow;
            _refusedSince ??= now;
            if (!election._mayAcquire(state, now - _refusedSince.Value))
                return false;
            _refusedSince = null;
            return true;
        }

        private async Task<T> TimedAsync<T>(Task<T> call)
        {
            try
            {
                var result = await call;
                election.RecordAnswer();
                return result;
            }
            catch (k8s.Autorest.HttpOperationException exception)
                when (exception.Response?.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.Conflict)
            {
                election.RecordAnswer();
                throw;
            }
        }
    }
}
