namespace CertFleet.Interfaces.Grains;

/// <summary>
/// References to string-keyed grains without the price <see cref="IGrainFactory.GetGrain{TGrainInterface}(string, string)"/>
/// pays on every call: Orleans 10 reads the interface's attributes by reflection each time to name its interface type
/// (7 % of the silo's CPU in the CA phase of <c>make bench</c> from delivering watched changes, 2-3 % more from
/// grains calling grains). The grain and interface types of each interface are taken once, process-wide, from a first
/// reference made the usual way; a factory whose references are not Orleans' own (a test double) fills nothing.
/// </summary>
public static class GrainReferences
{
    public static T ByKey<T>(this IGrainFactory grains, string key) where T : IGrainWithStringKey
    {
        if (TypesOf<T>.Known is { } types)
            return (T)grains.GetGrain(GrainId.Create(types.Grain, key), types.Interface);
        var grain = grains.GetGrain<T>(key);
        if (grain is GrainReference reference)
            TypesOf<T>.Known = new(reference.GrainId.Type, reference.InterfaceType);
        return grain;
    }

    private sealed record Types(GrainType Grain, GrainInterfaceType Interface);

    /// <summary>One slot per interface: a static field read, no dictionary lookup; a reference write is atomic.</summary>
    private static class TypesOf<T>
    {
        public static Types? Known;
    }
}
