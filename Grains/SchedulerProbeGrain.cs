using CertFleet.Interfaces.Grains;
using Orleans.Concurrency;

namespace CertFleet.Grains;

/// <summary>Answers the liveness probe at once; one activation per silo is enough for a probe every few seconds.</summary>
[GrainType("schedulerprobe"), StatelessWorker(1)]
public sealed class SchedulerProbeGrain : Grain, ISchedulerProbeGrain
{
    public Task PingAsync() => Task.CompletedTask;
}
