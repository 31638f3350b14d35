using System.Text;

namespace CertFleet.Grains.Issuance;

/// <summary>
/// The Certificate annotations passed on to its CertificateRequests: all but kubectl's, Flux's and Argo CD's, as
/// cert-manager copies them, up to <see cref="MaxTotalBytes"/> in all. The controller's own annotations
/// (cert-manager.io/, acme.cert-manager.io/, certfleet.io/) come first, so a large foreign one never displaces them.
/// </summary>
public static class CopiedAnnotations
{
    /// <summary>Keys plus values, in UTF-8; the API server allows 256 KiB of annotations per object.</summary>
    public const int MaxTotalBytes = 32 * 1024;

    public const string EventReason = "AnnotationsNotCopied";

    private static readonly string[] NotCopiedPrefixes = ["kubectl.kubernetes.io/", "fluxcd.io/", "argocd.argoproj.io/"];
    private static readonly string[] ControllerPrefixes = ["cert-manager.io/", "acme.cert-manager.io/", "certfleet.io/"];

    /// <summary>The annotations copied, and the names of those left out for size (not those never copied).</summary>
    public static (Dictionary<string, string> Copied, List<string> NotCopied) Select(IReadOnlyDictionary<string, string>? annotations)
    {
        var copied = new Dictionary<string, string>();
        var notCopied = new List<string>();
        var total = 0;
        var candidates = (annotations ?? new Dictionary<string, string>())
            .Where(a => !NotCopiedPrefixes.Any(p => a.Key.StartsWith(p, StringComparison.Ordinal)))
            .OrderBy(a => ControllerPrefixes.Any(p => a.Key.StartsWith(p, StringComparison.Ordinal)) ? 0 : 1)
            .ThenBy(a => a.Key, StringComparer.Ordinal);
        foreach (var (name, value) in candidates)
        {
            var size = Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(value);
            if (total + size > MaxTotalBytes)
            {
                notCopied.Add(name);
                continue;
            }
            total += size;
            copied[name] = value;
        }
        return (copied, notCopied);
    }

    /// <summary>The Warning Event's message: counts and at most a few names.</summary>
    public static string Describe(IReadOnlyList<string> notCopied) =>
        $"metadata.annotations: {notCopied.Count} annotation(s) not copied to CertificateRequests, as together they exceed " +
        $"{MaxTotalBytes / 1024} KiB ({string.Join(", ", notCopied.Take(3).Select(n => $"\"{n}\""))}{(notCopied.Count > 3 ? ", …" : "")}); " +
        "keep large data out of Certificate annotations";
}
