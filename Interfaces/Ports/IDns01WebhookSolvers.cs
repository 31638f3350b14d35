namespace CertFleet.Interfaces.Ports;

/// <summary>
/// cert-manager's DNS-01 webhook solvers (<c>dns01.webhook</c>): a ChallengePayload POSTed through the cluster's API
/// server to <c>/apis/&lt;groupName&gt;/v1alpha1/&lt;solverName&gt;</c>, which the aggregation layer hands to the
/// webhook's own server. Built in Kubernetes.Bridge; bounded well below Orleans' 30 s call timeout.
/// </summary>
public interface IDns01WebhookSolvers
{
    /// <summary>
    /// Sends one Present or CleanUp. The webhook's own answer (success, or its failure message) is returned; a request
    /// the API server could not carry (no such APIService, RBAC, the webhook unreachable) is a
    /// <see cref="ClusterWriteException"/> with the server's words.
    /// </summary>
    Task<Dns01WebhookAnswer> CallAsync(string cluster, Dns01WebhookCall call, CancellationToken ct = default);
}

/// <summary>The action of a ChallengeRequest, spelled as cert-manager spells it on the wire.</summary>
public enum Dns01WebhookAction
{
    Present,
    CleanUp,
}

/// <summary>
/// One ChallengeRequest: where it goes (<see cref="GroupName"/>, <see cref="SolverName"/>) and cert-manager's request
/// fields. <see cref="Config"/> is the solver's <c>config</c> as raw JSON, passed on verbatim; <see cref="ResolvedFqdn"/>
/// and <see cref="ResolvedZone"/> end with a dot.
/// </summary>
public sealed record Dns01WebhookCall(
    string GroupName,
    string SolverName,
    Dns01WebhookAction Action,
    string DnsName,
    string Key,
    string ResourceNamespace,
    string ResolvedFqdn,
    string ResolvedZone,
    bool AllowAmbientCredentials,
    string? Config);

/// <summary>The webhook's <c>response</c>: success, or the message of its <c>status</c>.</summary>
public sealed record Dns01WebhookAnswer(bool Success, string? Message);
