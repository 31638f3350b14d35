using CertFleet.Interfaces.Ports;

namespace CertFleet.Grains;

public static class EventRecording
{
    /// <summary>
    /// Events are best effort and aggregated by the bridge; no grain waits on them. The write runs on the thread pool,
    /// outside the grain's turn, so it never holds the grain or touches its state.
    /// </summary>
    public static void RecordInBackground(this IClusterWriter writer, EventRecord record) =>
        _ = Task.Run(() => writer.RecordEventAsync(record));
}
