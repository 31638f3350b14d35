using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CertFleet.Interfaces.Api;
using CertFleet.Providers.Pki;
using k8s.Models;

namespace CertFleet.Kubernetes.Bridge.Cli;

/// <summary>
/// <c>status certificate NAME</c>: the Certificate, its issuer and Secret, the CertificateRequest of the current
/// issuance, and for ACME its Order and Challenges, each with its recent Events (as cmctl shows them).
/// </summary>
public static class CertificateStatusCommand
{
    public static async Task<CertificateStatusReport> BuildAsync(CliCluster cluster, string ns, string name)
    {
        var certificateObject = await cluster.GetCertificateAsync(ns, name)
                                ?? throw CliException.Failure($"Certificate \"{name}\" not found in namespace \"{ns}\"");
        var certificate = Read<Certificate>(certificateObject, $"Certificate {ns}/{name}");
        var status = certificate.Status;
        var conditions = (status?.Conditions ?? []).Select(ToReport).ToList();

        var request = await CurrentRequestAsync(cluster, ns, name, certificate);
        var order = request is null ? null : OwnedBy<Order>(await cluster.ListOrdersAsync(ns), request.Metadata.Uid).LastOrDefault();
        var challenges = new List<ChallengeReport>();
        if (order is not null)
        {
            foreach (var challenge in OwnedBy<Challenge>(await cluster.ListChallengesAsync(ns), order.Metadata.Uid))
                challenges.Add(await ChallengeReportAsync(cluster, ns, challenge));
        }

        return new CertificateStatusReport
        {
            Name = name,
            Namespace = ns,
            CreatedAt = certificate.Metadata.CreationTimestamp,
            Generation = certificate.Metadata.Generation,
            Conditions = conditions,
            CommonName = certificate.Spec.CommonName,
            DnsNames = certificate.Spec.DnsNames ?? [],
            IpAddresses = certificate.Spec.IpAddresses ?? [],
            NotBefore = status?.NotBefore,
            NotAfter = status?.NotAfter,
            RenewalTime = status?.RenewalTime,
            Revision = status?.Revision,
            FailedIssuanceAttempts = status?.FailedIssuanceAttempts,
            LastFailureTime = status?.LastFailureTime,
            RateLimit = conditions.FirstOrDefault(c => c.Reason == CertFleet.Interfaces.CertFleetReasons.RateLimited) is { } limited
                ? new RateLimitReport(limited.Type, limited.Message ?? "")
                : null,
            Events = await EventsAsync(cluster, ns, Certificate.KindName, name),
            Issuer = await IssuerReportAsync(cluster, ns, certificate.Spec.IssuerRef),
            Secret = await SecretReportAsync(cluster, ns, certificate.Spec.SecretName),
            CertificateRequest = request is null ? null : new CertificateRequestReport
            {
                Name = request.Metadata.Name ?? "",
                Revision = RevisionOf(request),
                Conditions = (request.Status?.Conditions ?? [])
                    .Select(c => new ConditionReport(c.Type, c.Status, c.Reason, c.Message, c.LastTransitionTime)).ToList(),
                FailureTime = request.Status?.FailureTime,
                Events = await EventsAsync(cluster, ns, CertificateRequest.KindName, request.Metadata.Name ?? ""),
            },
            Order = order is null ? null : new OrderReport
            {
                Name = order.Metadata.Name ?? "",
                State = order.Status?.State,
                Url = order.Status?.Url,
                Reason = order.Status?.Reason,
                Authorizations = (order.Status?.Authorizations ?? []).Select(a => new AuthorizationReport(a.Url, a.Identifier,
                    a.Wildcard ?? false, a.InitialState,
                    (a.Challenges ?? []).Select(c => new AuthorizationChallengeReport(c.Type, c.Token, c.Url)).ToList())).ToList(),
                Events = await EventsAsync(cluster, ns, Order.KindName, order.Metadata.Name ?? ""),
            },
            Challenges = challenges,
        };
    }

    /// <summary>
    /// The request of the issuance in progress (revision + 1), else the one that issued the current revision:
    /// requests carry the Certificate's name and their revision in cert-manager's annotations.
    /// </summary>
    private static async Task<CertificateRequest?> CurrentRequestAsync(CliCluster cluster, string ns, string name, Certificate certificate)
    {
        var requests = (await cluster.ListCertificateRequestsAsync(ns))
            .Select(o => Read<CertificateRequest>(o, "CertificateRequest"))
            .Where(r => r.Metadata.Annotations?.GetValueOrDefault(Annotations.CertificateName) == name
                        && (r.Metadata.OwnerReferences is not { Count: > 0 } owners
                            || owners.Any(o => o.Kind == Certificate.KindName && o.Uid == certificate.Metadata.Uid)))
            .ToList();
        var next = (certificate.Status?.Revision ?? 0) + 1;
        return requests.FirstOrDefault(r => RevisionOf(r) == next)
               ?? requests.OrderByDescending(r => RevisionOf(r) ?? 0).FirstOrDefault();
    }

    private static int? RevisionOf(CertificateRequest request) =>
        int.TryParse(request.Metadata.Annotations?.GetValueOrDefault(Annotations.CertificateRevision), NumberStyles.None,
            CultureInfo.InvariantCulture, out var revision) ? revision : null;

    /// <summary>Objects whose owner reference names <paramref name="ownerUid"/>, oldest first.</summary>
    private static IReadOnlyList<T> OwnedBy<T>(IReadOnlyList<JsonObject> objects, string? ownerUid)
    {
        if (string.IsNullOrEmpty(ownerUid))
            return [];
        // RFC 3339 timestamps in UTC sort as strings.
        return objects
            .Where(o => o["metadata"]?["ownerReferences"] is JsonArray owners
                        && owners.Any(owner => owner?["uid"]?.GetValue<string>() == ownerUid))
            .OrderBy(o => o["metadata"]?["creationTimestamp"]?.GetValue<string>(), StringComparer.Ordinal)
            .ThenBy(o => o["metadata"]?["name"]?.GetValue<string>(), StringComparer.Ordinal)
            .Select(o => Read<T>(o, typeof(T).Name))
            .ToList();
    }

    private static async Task<ChallengeReport> ChallengeReportAsync(CliCluster cluster, string ns, Challenge challenge) => new()
    {
        Name = challenge.Metadata.Name ?? "",
        Type = challenge.Spec.Type,
        DnsName = challenge.Spec.DnsName,
        Wildcard = challenge.Spec.Wildcard ?? false,
        Token = challenge.Spec.Token,
        Key = challenge.Spec.Key,
        Url = challenge.Spec.Url,
        State = challenge.Status?.State,
        Reason = challenge.Status?.Reason,
        Processing = challenge.Status?.Processing ?? false,
        Presented = challenge.Status?.Presented ?? false,
        Events = await EventsAsync(cluster, ns, Challenge.KindName, challenge.Metadata.Name ?? ""),
    };

    private static async Task<IssuerReport> IssuerReportAsync(CliCluster cluster, string ns, IssuerRef reference)
    {
        var kind = string.IsNullOrEmpty(reference.Kind) ? IssuerRef.DefaultKind : reference.Kind;
        var group = string.IsNullOrEmpty(reference.Group) ? IssuerRef.DefaultGroup : reference.Group;
        var report = new IssuerReport { Kind = kind, Name = reference.Name, Group = group };
        if (group != IssuerRef.DefaultGroup || kind is not (Issuer.KindName or ClusterIssuer.KindName))
            return report; // an external issuer: its API is not ours to read
        var found = await cluster.GetIssuerAsync(kind, ns, reference.Name);
        if (found is null)
            return report with { Found = false };
        var status = Read<Issuer>(found, $"{kind} {reference.Name}").Status;
        var eventNamespace = kind == ClusterIssuer.KindName ? Events.EventCorrelator.ClusterScopedEventNamespace : ns;
        return report with
        {
            Found = true,
            Conditions = (status?.Conditions ?? []).Select(ToReport).ToList(),
            Events = await EventsAsync(cluster, eventNamespace, kind, reference.Name),
        };
    }

    private static async Task<SecretStatusReport> SecretReportAsync(CliCluster cluster, string ns, string name)
    {
        var secret = await cluster.GetSecretAsync(ns, name);
        if (secret is null)
            return new SecretStatusReport { Name = name, Found = false };
        if (secret.Data is null || !secret.Data.TryGetValue(SecretKeys.TlsCertificate, out var pem) || pem.Length == 0)
            return new SecretStatusReport { Name = name, Found = true, Error = $"the Secret has no {SecretKeys.TlsCertificate}" };
        try
        {
            var parsed = CertificateInfo.ParseFirst(System.Text.Encoding.UTF8.GetString(pem));
            return new SecretStatusReport { Name = name, Found = true, Certificate = Summary(parsed) };
        }
        catch (PkiException exception)
        {
            return new SecretStatusReport { Name = name, Found = true, Error = $"{SecretKeys.TlsCertificate}: {exception.Message}" };
        }
    }

    public static CertificateSummary Summary(CertificateInfo certificate) => new()
    {
        Subject = certificate.SubjectDN,
        Issuer = certificate.IssuerDN,
        NotBefore = certificate.NotBefore,
        NotAfter = certificate.NotAfter,
        SerialNumber = certificate.SerialHex,
        DnsNames = certificate.DnsNames,
        IpAddresses = certificate.IpAddresses,
    };

    private static async Task<IReadOnlyList<EventReport>> EventsAsync(CliCluster cluster, string ns, string kind, string name) =>
        (await cluster.ListEventsAsync(ns, kind, name)).Select(ToReport).ToList();

    private static EventReport ToReport(Corev1Event e) => new(e.Type ?? "", e.Reason ?? "", e.Message ?? "", e.Count ?? 1,
        ToOffset(e.LastTimestamp ?? e.EventTime ?? e.Metadata?.CreationTimestamp), e.Source?.Component ?? e.ReportingComponent);

    private static DateTimeOffset? ToOffset(DateTime? time) =>
        time is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;

    private static ConditionReport ToReport(Condition c) => new(c.Type, c.Status, c.Reason, c.Message, c.LastTransitionTime);

    private static T Read<T>(JsonObject node, string what)
    {
        try
        {
            return node.Deserialize<T>(ApiJson.Options) ?? throw CliException.Failure($"{what}: the API server returned an empty object");
        }
        catch (JsonException exception)
        {
            throw CliException.Failure($"{what} does not match the cert-manager API: {exception.Message}");
        }
    }
}
