namespace CertFleet.Interfaces.Ports;

/// <summary>A core/v1 Event to record against an object; the bridge aggregates repeats into one Event with a count.</summary>
[GenerateSerializer, Immutable, Alias("certfleet.EventRecord")]
public sealed record EventRecord(
    [property: Id(0)] ResourceKind Kind,
    [property: Id(1)] ObjectKey Object,
    [property: Id(2)] string? ObjectUid,
    [property: Id(3)] string Type,
    [property: Id(4)] string Reason,
    [property: Id(5)] string Message,
    [property: Id(6)] string Component)
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";
}
