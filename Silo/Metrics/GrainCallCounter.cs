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
    public Task Invoke(IOutgoingGrainCallContext context)
    {
        if (context.SourceId is { } source && !SystemTargetGrainId.IsSystemTargetGrainId(source)
            && !SystemTargetGrainId.IsSystemTargetGrainId(context.TargetId)
            && !context.InterfaceName.StartsWith("Orleans.", StringComparison.Ordinal))
            metrics.GrainCalled(ShortName(context.InterfaceName), context.MethodName);
        return context.Invoke();
    }

    // "CertFleet.Interfaces.Grains.ICertificateGrain" → "ICertificateGrain"
    private static string ShortName(string interfaceName) => interfaceName[(interfaceName.LastIndexOf('.') + 1)..];
}
