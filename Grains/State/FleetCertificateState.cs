using CertFleet.Interfaces.Api;

namespace CertFleet.Grains.State;

/// <summary>
/// A FleetCertificate's progress: the object last seen (its spec holds no inline passwords: validation refuses them),
/// what was last written to its status, and each copy. Never a private key: copies are written from the home Secret,
/// read when they are written.
/// </summary>
[GenerateSerializer, Alias("certfleet.FleetCertificateState")]
public sealed class FleetCertificateState
{
    [Id(0)] public FleetCertificate? Object { get; set; }
    [Id(1)] public string? StatusResourceVersion { get; set; }
    [Id(2)] public FleetCertificateStatus? WrittenStatus { get; set; }
    /// <summary>By <see cref="FleetCopyState.Id"/>: every copy placed now, and those written earlier not yet removed.</summary>
    [Id(3)] public Dictionary<string, FleetCopyState> Copies { get; set; } = new(StringComparer.Ordinal);
    /// <summary>The generation whose invalid spec was last reported in an Event (one Event per generation).</summary>
    [Id(4)] public long? ReportedInvalidGeneration { get; set; }
    /// <summary>Whether the home Certificate was made (or adopted by its label) by this FleetCertificate.</summary>
    [Id(5)] public bool HomeCertificateOwned { get; set; }
}

[GenerateSerializer, Alias("certfleet.FleetCopyState")]
public sealed class FleetCopyState
{
    [Id(0)] public string Cluster { get; set; } = "";
    [Id(1)] public string Namespace { get; set; } = "";
    [Id(2)] public string SecretName { get; set; } = "";
    [Id(3)] public int? Revision { get; set; }
    /// <summary>SHA-256 of the tls.crt last written or found current.</summary>
    [Id(4)] public string? Fingerprint { get; set; }
    [Id(5)] public DateTimeOffset? LastWriteTime { get; set; }
    [Id(6)] public string? Error { get; set; }
    /// <summary>CertFleet wrote this copy (so it may delete it); false for a refused or never-written one.</summary>
    [Id(7)] public bool Written { get; set; }
    /// <summary>The resourceVersion of our last write: the watch's echo of it is ignored.</summary>
    [Id(8)] public string? ResourceVersion { get; set; }

    public string Id => IdOf(Cluster, Namespace, SecretName);

    public static string IdOf(string cluster, string ns, string secretName) => $"{cluster}/{ns}/{secretName}";
}
