namespace CertFleet.Interfaces.Grains;

/// <summary>
/// The liveness probe's grain: a stateless worker, so the caller's own silo answers, from memory. A silo that cannot
/// run this empty turn within seconds has a wedged scheduler.
/// </summary>
[Alias("certfleet.ISchedulerProbeGrain")]
public interface ISchedulerProbeGrain : IGrainWithIntegerKey
{
    [Alias("Ping")]
    Task PingAsync();
}
