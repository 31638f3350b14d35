using System.Collections.Concurrent;
using Orleans.Runtime;

namespace CertFleet.Silo.Metrics;

/// <summary>
/// Counts, as <c>certfleet_grain_calls_total</c>, every call one grain makes to another: what one certificate costs in
/// grain hops, which <c>make bench</c> prints per phase. Left out, as not grain-to-grain work: calls from outside grains
/// (the bridge's dispatcher, the CLI), calls to or from Orleans' system targets (reminders, directory) and to Orleans'
/// own grains (the memory storage provider keeps state in grains; storage is counted by Orleans' storage meter).
/// Registered in Program.cs with <c>AddOutgoingGrainCallFilter</c>.
/// </summary>
public sealed class GrainCallCounter(CertManagerMetrics metrics) : IOutgoingGrainCallFilter
{
    // Orleans generates one request type per interface method: its series is looked up once, not per call.
    private readonly ConcurrentDictionary<Type, Action?> _countersByRequest = new();

    public Task Invoke(IOutgoingGrainCallContext context)
    {
        if (context.SourceId is { } source && !SystemTargetGrainId.IsSystemTargetGrainId(source)
            && !SystemTargetGrainId.IsSystemTargetGrainId(context.TargetId))
            _countersByRequest.GetOrAdd(context.Request.GetType(), _ => CounterFor(context))?.Invoke();
        return context.Invoke();
    }

    private Action? CounterFor(IOutgoingGrainCallContext context) =>
        context.InterfaceName.StartsWith("Orleans.", StringComparison.Ordinal)
            ? null
            : metrics.GrainCallCounter(ShortName(context.InterfaceName), context.MethodName);

    // "CertFleet.Interfaces.Grains.ICertificateGrain" → "ICertificateGrain"
    private static string ShortName(string interfaceName) => interfaceName[(interfaceName.LastIndexOf('.') + 1)..];
}
