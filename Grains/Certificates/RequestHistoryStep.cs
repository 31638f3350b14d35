using CertFleet.Interfaces.Ports;

namespace CertFleet.Grains.Certificates;

/// <summary>cert-manager's revision manager: keeps spec.revisionHistoryLimit CertificateRequests (default 1).</summary>
public static class RequestHistoryStep
{
    /// <summary>The request that falls out of the history once <paramref name="revision"/> is issued, or null.</summary>
    public static string? Pruned(string certificateName, int revision, int? revisionHistoryLimit)
    {
        var oldest = revision - Math.Max(1, revisionHistoryLimit ?? 1);
        return oldest >= 1 ? RequestStep.Name(certificateName, oldest) : null;
    }

    public static async Task PruneAsync(CertificatePass pass, int revision)
    {
        if (Pruned(pass.Name, revision, pass.Object.Spec.RevisionHistoryLimit) is { } request)
            await pass.Actions.TryDeleteAsync(ResourceKind.CertificateRequest, request);
    }
}
