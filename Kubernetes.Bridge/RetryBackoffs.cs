using CertFleet.Providers;

namespace CertFleet.Kubernetes.Bridge;

/// <summary>The bridge's retry delays. Each is drawn from the upper half of its step (jitter 0.5).</summary>
public static class RetryBackoffs
{
    /// <summary>Reflectors, the dispatcher and leader election: 200 ms doubling to 30 s.</summary>
    public static ExponentialBackoff Watch { get; } = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30), jitter: 0.5);

    /// <summary>Writes, which must finish within one grain call.</summary>
    public static ExponentialBackoff Write { get; } = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2), jitter: 0.5);
}
