using CertFleet.Providers;

namespace CertFleet.Silo.Health;

/// <summary>Where the silo is in its start.</summary>
public enum SiloPhase
{
    /// <summary>The host is starting; nothing has been tried yet.</summary>
    Created,

    /// <summary>Redis does not answer yet; the silo starts once it does.</summary>
    WaitingForStorage,

    /// <summary>Orleans and the services that need it are starting.</summary>
    Starting,

    Started,

    /// <summary>The silo failed to start; the process is stopping.</summary>
    Failed,
}

/// <summary>
/// Starts the Orleans silo, and after it the hosted services registered after it (the Kubernetes bridge), in the
/// background: WebApplication starts Kestrel only after every hosted service has started, and a silo whose Redis does
/// not answer fails its start. So /health/* is served from the first second, and with Redis storage the silo waits
/// for Redis (one log line, retries with backoff) instead of exiting into a crash loop.
/// </summary>
public sealed class SiloStartup(
    IReadOnlyList<IHostedService> services,
    RedisProbe? storage,
    IHostApplicationLifetime lifetime,
    ILogger<SiloStartup> logger) : IHostedService
{
    /// <summary>Retries while Redis does not answer: 1 s doubling to 10 s.</summary>
    private static readonly ExponentialBackoff StorageRetries = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), jitter: 0.5);

    private readonly CancellationTokenSource _stopping = new();
    private readonly List<IHostedService> _started = [];
    private Task _run = Task.CompletedTask;
    private volatile SiloPhase _phase = SiloPhase.Created;

    public SiloPhase Phase => _phase;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _run = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _run.WaitAsync(cancellationToken);
        // The bridge before the silo, as the host would stop them.
        for (var i = _started.Count - 1; i >= 0; i--)
            await _started[i].StopAsync(cancellationToken);
    }

    private async Task RunAsync(CancellationToken ct)
    {
        try
        {
            if (storage is not null)
                await WaitForStorageAsync(storage, ct);
            _phase = SiloPhase.Starting;
            foreach (var service in services)
            {
                // Counted before it finishes: a start cut short by shutdown is stopped too.
                _started.Add(service);
                await service.StartAsync(ct);
            }
            _phase = SiloPhase.Started;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            _phase = SiloPhase.Failed;
            logger.LogCritical(exception, "The silo failed to start; stopping");
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }

    private async Task WaitForStorageAsync(RedisProbe redis, CancellationToken ct)
    {
        var started = TimeProvider.System.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            var problem = await redis.ProblemAsync(ct);
            if (problem is null)
            {
                if (attempt > 1)
                    logger.LogInformation("Redis at {Endpoints} answers after {Seconds:0} s; starting the silo",
                        redis.Endpoints, TimeProvider.System.GetElapsedTime(started).TotalSeconds);
                return;
            }
            _phase = SiloPhase.WaitingForStorage;
            // One line says what is wrong and what to check; the retries after it stay at Debug.
            if (attempt == 1)
                logger.LogWarning(
                    "Waiting for Redis at {Endpoints} before starting the silo: {Problem}. Check CertFleet__Redis__ConnectionString " +
                    "(and CertFleet__Redis__TrustedCaFile with ssl=true); retrying with backoff, /health/ready answers 503 until Redis answers",
                    redis.Endpoints, problem);
            else
                logger.LogDebug("Redis at {Endpoints} still does not answer: {Problem}", redis.Endpoints, problem);
            await Task.Delay(StorageRetries.Delay(attempt), ct);
        }
    }
}

/// <summary>Composition of <see cref="SiloStartup"/>.</summary>
public static class SiloStartupRegistration
{
    /// <summary>The hosted service UseOrleans registers; internal to Orleans, so found by name.</summary>
    private const string OrleansSiloService = "Orleans.Hosting.SiloHostedService";

    /// <summary>
    /// Moves Orleans' silo service and every hosted service registered after it (so after UseOrleans: the bridge) into
    /// one <see cref="SiloStartup"/>, which starts them in that order in the background. Call last.
    /// </summary>
    public static IServiceCollection StartSiloInBackground(this IServiceCollection services, CertFleetOptions settings)
    {
        var hosted = services.Where(service => service.ServiceType == typeof(IHostedService)).ToList();
        var silo = hosted.FindIndex(service => service.ImplementationType?.FullName == OrleansSiloService);
        if (silo < 0)
            throw new InvalidOperationException("StartSiloInBackground needs UseOrleans first");
        var deferred = hosted[silo..];
        foreach (var service in deferred)
            services.Remove(service);
        if (settings.Storage == "redis")
            services.AddSingleton(provider => new RedisProbe(settings.Redis, provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton(provider => new SiloStartup(
            [.. deferred.Select(service => Create(provider, service))],
            provider.GetService<RedisProbe>(),
            provider.GetRequiredService<IHostApplicationLifetime>(),
            provider.GetRequiredService<ILogger<SiloStartup>>()));
        return services.AddHostedService(provider => provider.GetRequiredService<SiloStartup>());
    }

    private static IHostedService Create(IServiceProvider provider, ServiceDescriptor service) => (IHostedService)(
        service.ImplementationInstance
        ?? service.ImplementationFactory?.Invoke(provider)
        ?? ActivatorUtilities.CreateInstance(provider, service.ImplementationType!));
}
