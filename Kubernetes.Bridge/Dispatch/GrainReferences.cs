using System.Collections.Concurrent;

namespace CertFleet.Kubernetes.Bridge.Dispatch;

/// <summary>
/// References to string-keyed grains without the price <see cref="IGrainFactory.GetGrain{TGrainInterface}(string, string)"/>
/// pays on every call: Orleans 10 reads the interface's attributes by reflection each time to name its interface type
/// (7 % of the silo's CPU in the CA phase of <c>make bench</c>, most of it from delivering watched changes). The grain
/// and interface types of each interface are taken once from a first reference made the usual way; a factory whose
/// references are not Orleans' own (a test double) is always asked the usual way.
/// </summary>
public sealed class GrainReferences(IGrainFactory grains)
{
    private readonly ConcurrentDictionary<Type, (GrainType Grain, GrainInterfaceType Interface)> _types = new();

    public T ByKey<T>(string key) where T : IGrainWithStringKey
    {
        if (_types.TryGetValue(typeof(T), out var types))
            return (T)grains.GetGrain(GrainId.Create(types.Grain, key), types.Interface);
        var grain = grains.GetGrain<T>(key);
        if (grain is GrainReference reference)
            _types.TryAdd(typeof(T), (reference.GrainId.Type, reference.InterfaceType));
        return grain;
    }
}
