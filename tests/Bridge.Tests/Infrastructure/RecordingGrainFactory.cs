using System.Collections.Concurrent;
using System.Reflection;

namespace CertFleet.Bridge.Tests.Infrastructure;

/// <summary>A grain call as the bridge made it: which interface, which key, which method, with what.</summary>
public sealed record GrainCall(Type Interface, string Key, string Method, object?[] Arguments);

/// <summary>
/// An <see cref="IGrainFactory"/> without a silo: every grain reference records its calls and completes them, so
/// the bridge's mapping from objects to grain calls can be checked end to end.
/// </summary>
public class RecordingGrainFactory : DispatchProxy
{
    private ConcurrentQueue<GrainCall> _calls = null!;

    public static (IGrainFactory Factory, ConcurrentQueue<GrainCall> Calls) Create()
    {
        var calls = new ConcurrentQueue<GrainCall>();
        var factory = DispatchProxy.Create<IGrainFactory, RecordingGrainFactory>();
        ((RecordingGrainFactory)(object)factory)._calls = calls;
        return (factory, calls);
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        if (targetMethod is not { Name: nameof(IGrainFactory.GetGrain), IsGenericMethod: true } || args?[0] is not string key)
            throw new NotSupportedException($"{targetMethod?.Name} is not used by the bridge");
        var grain = DispatchProxy.Create(targetMethod.ReturnType, typeof(RecordingGrain));
        ((RecordingGrain)grain).Bind(targetMethod.ReturnType, key, _calls);
        return grain;
    }
}

public class RecordingGrain : DispatchProxy
{
    private Type _interface = null!;
    private string _key = null!;
    private ConcurrentQueue<GrainCall> _calls = null!;

    public void Bind(Type grainInterface, string key, ConcurrentQueue<GrainCall> calls) =>
        (_interface, _key, _calls) = (grainInterface, key, calls);

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        _calls.Enqueue(new GrainCall(_interface, _key, targetMethod!.Name, args ?? []));
        return targetMethod.ReturnType == typeof(Task)
            ? Task.CompletedTask
            : throw new NotSupportedException($"{targetMethod.Name} returns a value; the bridge only notifies");
    }
}
