using CertFleet.Interfaces;
using CertFleet.Interfaces.Ports;

namespace CertFleet.Grains;

/// <summary>
/// Records Events about one object in the background (<see cref="EventRecording.RecordInBackground"/>), as its
/// controller <paramref name="component"/>; <paramref name="uid"/> is read when each Event is recorded.
/// </summary>
public sealed class ObjectEvents(IClusterWriter writer, ResourceKind kind, ObjectKey key, string component, Func<string?> uid)
{
    public void Record(string type, string reason, string message) =>
        writer.RecordInBackground(new EventRecord(kind, key, uid(), type, reason, message, component));
}
