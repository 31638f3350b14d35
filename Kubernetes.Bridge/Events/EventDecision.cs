namespace CertFleet.Kubernetes.Bridge.Events;

/// <summary>What to write for one recorded event.</summary>
public enum EventAction
{
    /// <summary>The object is emitting events too fast: write nothing.</summary>
    Drop,

    /// <summary>Create a new Event.</summary>
    Create,

    /// <summary>Patch the count and last timestamp of the Event already written for the same occurrence.</summary>
    Increment,
}

/// <summary>The Event to create or patch: its name in <see cref="Namespace"/> and the values to write.</summary>
public readonly record struct EventDecision(
    EventAction Action,
    string Namespace,
    string Name,
    int Count,
    DateTimeOffset FirstTimestamp,
    DateTimeOffset LastTimestamp);
