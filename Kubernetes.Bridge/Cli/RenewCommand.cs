using System.Text.Json;
using System.Text.Json.Nodes;
using CertFleet.Interfaces.Api;

namespace CertFleet.Kubernetes.Bridge.Cli;

/// <summary>One Certificate <c>renew</c> looked at: triggered, or left alone because it is already issuing.</summary>
public sealed record RenewResult(string Namespace, string Name, bool Triggered, string Message);

/// <summary>
/// <c>renew NAME... | --all | -l SELECTOR [-A]</c>: sets the Issuing condition True with reason ManuallyTriggered on
/// the status subresource, as cmctl does; the controller sees the status change and issues the next revision.
/// <c>renew fleetcertificate NAME...</c> does the same to each FleetCertificate's home Certificate (named in its
/// status): one new issuance, whose Secret then replaces every copy.
/// </summary>
public static class RenewCommand
{
    public const string Message = "Certificate re-issuance manually triggered";
    private const int ConflictAttempts = 5;

    public static readonly string[] FleetCertificateWords = ["fleetcertificate", "fleetcertificates", "fleetcert", "fleetcerts"];

    public static async Task<IReadOnlyList<RenewResult>> RunAsync(CliCluster cluster, CliArguments args, DateTimeOffset now)
    {
        if (args.Words.Count > 1 && FleetCertificateWords.Contains(args.Words[1]))
            return await RenewFleetCertificatesAsync(cluster, args, now);
        var names = args.Words.Skip(1).ToList();
        if (names.Count > 0 && (args.All || args.Selector is not null))
            throw CliException.Usage("renew takes Certificate names, or --all, or -l SELECTOR, not a mix");
        if (names.Count == 0 && !args.All && args.Selector is null)
            throw CliException.Usage("renew needs Certificate names, --all, or -l SELECTOR");
        if (args.AllNamespaces && names.Count > 0)
            throw CliException.Usage("-A works with --all or -l SELECTOR, not with names");

        var ns = args.Namespace ?? cluster.DefaultNamespace;
        var targets = new List<(string Namespace, string Name)>();
        if (names.Count > 0)
        {
            targets.AddRange(names.Select(name => (ns, name)));
        }
        else
        {
            var listed = await cluster.ListCertificatesAsync(args.AllNamespaces ? null : ns, args.Selector);
            targets.AddRange(listed.Select(o => (
                o["metadata"]?["namespace"]?.GetValue<string>() ?? ns,
                o["metadata"]?["name"]?.GetValue<string>() ?? "")));
        }

        var results = new List<RenewResult>();
        foreach (var (targetNamespace, name) in targets)
            results.Add(await RenewAsync(cluster, targetNamespace, name, now));
        return results;
    }

    private static async Task<IReadOnlyList<RenewResult>> RenewFleetCertificatesAsync(CliCluster cluster, CliArguments args, DateTimeOffset now)
    {
        var names = args.Words.Skip(2).ToList();
        if (names.Count == 0 || args.All || args.Selector is not null || args.AllNamespaces)
            throw CliException.Usage("renew fleetcertificate takes FleetCertificate names (they are cluster-scoped: no -n, -A, --all or -l)");
        var results = new List<RenewResult>();
        foreach (var name in names)
        {
            var fleet = await cluster.GetFleetCertificateAsync(name)
                        ?? throw CliException.Failure($"FleetCertificate \"{name}\" not found");
            var home = fleet["status"]?["certificate"];
            if (home?["namespace"]?.GetValue<string>() is not { Length: > 0 } ns || home["name"]?.GetValue<string>() is not { Length: > 0 } certificate)
                throw CliException.Failure($"FleetCertificate \"{name}\" has no home Certificate yet (status.certificate is empty); see its Ready condition");
            results.Add(await RenewAsync(cluster, ns, certificate, now));
        }
        return results;
    }

    private static async Task<RenewResult> RenewAsync(CliCluster cluster, string ns, string name, DateTimeOffset now)
    {
        for (var attempt = 1; ; attempt++)
        {
            var certificate = await cluster.GetCertificateAsync(ns, name)
                              ?? throw CliException.Failure($"Certificate \"{name}\" not found in namespace \"{ns}\"");
            var conditions = certificate["status"]?["conditions"] as JsonArray ?? [];
            if (conditions.OfType<JsonObject>().Any(c => Text(c, "type") == ConditionTypes.Issuing && Text(c, "status") == ConditionStatus.True))
                return new RenewResult(ns, name, false, $"Certificate {ns}/{name} is already being issued; not triggered again");

            var issuing = new Condition
            {
                Type = ConditionTypes.Issuing,
                Status = ConditionStatus.True,
                Reason = CertificateReasons.ManuallyTriggered,
                Message = Message,
                LastTransitionTime = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds()),
                ObservedGeneration = certificate["metadata"]?["generation"]?.GetValue<long>(),
            };
            var updated = new JsonArray();
            foreach (var condition in conditions.OfType<JsonObject>().Where(c => Text(c, "type") != ConditionTypes.Issuing))
                updated.Add(condition.DeepClone());
            updated.Add(JsonSerializer.SerializeToNode(issuing, ApiJson.Options));
            if (certificate["status"] is not JsonObject status)
                certificate["status"] = status = [];
            status["conditions"] = updated;

            if (await cluster.ReplaceCertificateStatusAsync(certificate))
                return new RenewResult(ns, name, true, $"Manually triggered issuance of Certificate {ns}/{name}");
            if (attempt == ConflictAttempts)
                throw CliException.Failure($"Certificate {ns}/{name} kept changing while it was being renewed; try again");
        }
    }

    private static string? Text(JsonObject node, string property) =>
        node[property] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
