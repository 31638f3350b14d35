namespace CertFleet.Grains.Issuance;

/// <summary>Kubernetes writes Time fields with whole seconds; times we write must round-trip unchanged.</summary>
public static class KubernetesTime
{
    public static DateTimeOffset ToWholeSeconds(this DateTimeOffset time) =>
        new(time.UtcTicks - time.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    public static DateTimeOffset UtcNowInWholeSeconds(this TimeProvider clock) => clock.GetUtcNow().ToWholeSeconds();
}
