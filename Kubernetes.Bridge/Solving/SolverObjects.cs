using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CertFleet.Interfaces.Fleet;
using CertFleet.Interfaces.Ports;
using k8s.Models;

namespace CertFleet.Kubernetes.Bridge.Solving;

/// <summary>What every HTTP-01 solver object carries, whether Ingress or HTTPRoute: name, labels, path and owner.</summary>
public static class SolverObjects
{
    public const string NamePrefix = "cm-acme-http-solver-";
    public const string SolverLabel = "acme.cert-manager.io/http01-solver";
    public const string DomainLabel = "acme.cert-manager.io/http-domain";
    public const string TokenLabel = "acme.cert-manager.io/http-token";
    public const string ChallengeApiVersion = "acme.cert-manager.io/v1";
    public const string ChallengeKind = "Challenge";

    /// <summary>
    /// cert-manager uses generateName; a name derived from the Challenge instead makes a retried create find the first
    /// object rather than make a second one.
    /// </summary>
    public static string Name(SolverRoute route)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes($"{route.Challenge.Namespace}/{route.Challenge.Name}"));
        return NamePrefix + Convert.ToHexStringLower(digest)[..10];
    }

    public static string Path(SolverRoute route) => $"/.well-known/acme-challenge/{route.Token}";

    /// <summary>
    /// The host an Ingress rule or HTTPRoute matches: the challenge's DNS name, or none for an IP identifier, which
    /// the API server refuses as a host (cert-manager leaves the host empty then too).
    /// </summary>
    public static string? Host(SolverRoute route) => System.Net.IPAddress.TryParse(route.DnsName, out _) ? null : route.DnsName;

    /// <summary>
    /// The user's labels, then cert-manager's solver labels (which win: they are how solvers are found), and on a member
    /// cluster's copy the FleetCertificate's label, by which a route left behind is found.
    /// </summary>
    public static Dictionary<string, string> Labels(SolverRoute route, IReadOnlyDictionary<string, string> extra)
    {
        var labels = new Dictionary<string, string>(extra)
        {
            [SolverLabel] = "true",
            [DomainLabel] = Adler32.Checksum(route.DnsName).ToString(CultureInfo.InvariantCulture),
            [TokenLabel] = Adler32.Checksum(route.Token).ToString(CultureInfo.InvariantCulture),
        };
        if (route.FleetCertificate is { } fleet)
            labels[FleetNames.FleetCertificateLabel] = fleet;
        return labels;
    }

    /// <summary>
    /// Makes the Challenge the controller owner, so garbage collection removes the route with it. A member cluster's
    /// copy has no Challenge there: its relay Service (<see cref="SolverRelay"/>) owns it instead.
    /// </summary>
    public static V1OwnerReference OwnerReference(SolverRoute route) => new()
    {
        ApiVersion = ChallengeApiVersion,
        Kind = ChallengeKind,
        Name = route.Challenge.Name,
        Uid = route.ChallengeUid,
        Controller = true,
        BlockOwnerDeletion = true,
    };
}
