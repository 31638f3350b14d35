namespace CertFleet.Kubernetes.Bridge.Watching;

/// <summary>
/// How long one watch request may stay open. The server closes it after a random 5–10 minutes (so the watches of
/// many reflectors do not reconnect in step); the client gives up a little later, in case the connection died silently.
/// </summary>
public static class WatchTimeout
{
    public static readonly TimeSpan ClientLimit = TimeSpan.FromSeconds(630);

    public static int NextServerSeconds() => Random.Shared.Next(300, 600);
}
