namespace CertFleet.Kubernetes.Bridge.Dispatch;

/// <summary>
/// The FleetCertificates this silo's home-cluster watch has handed to grains, so a member joining or leaving can be
/// told to each of them. Empty on silos that do not watch the home cluster; those leave the telling to the one that does.
/// </summary>
public sealed class FleetCertificateIndex
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public void Observe(string name, bool exists)
    {
        lock (_names)
        {
            if (exists)
                _names.Add(name);
            else
                _names.Remove(name);
        }
    }

    public IReadOnlyList<string> Names
    {
        get
        {
            lock (_names)
            {
                return [.. _names];
            }
        }
    }
}
