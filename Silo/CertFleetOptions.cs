using System.ComponentModel.DataAnnotations;

namespace CertFleet.Silo;

/// <summary>
/// The "CertFleet" configuration section (appsettings.json, or environment variables such as
/// <c>CertFleet__ClusterResourceNamespace</c>). Validated at start; errors name the key to fix.
/// </summary>
public sealed class CertFleetOptions : IValidatableObject
{
    public const string Section = "CertFleet";

    /// <summary>Name of the Kubernetes cluster this silo serves; the first part of every grain key.</summary>
    public string ClusterName { get; set; } = "local";

    /// <summary>Namespace holding ClusterIssuer Secrets and the leader-election Lease (cert-manager's --cluster-resource-namespace).</summary>
    public string ClusterResourceNamespace { get; set; } = "cert-manager";

    /// <summary>Path to a kubeconfig; empty means KUBECONFIG, then in-cluster configuration, then ~/.kube/config.</summary>
    public string? Kubeconfig { get; set; }

    /// <summary>"memory" (demo, tests) or "redis" (production: grain state, reminders and clustering in Redis).</summary>
    public string Storage { get; set; } = "memory";

    public RedisSettings Redis { get; set; } = new();

    public OrleansSettings Orleans { get; set; } = new();

    public HttpSettings Http { get; set; } = new();

    /// <summary>Approve CertificateRequests as cert-manager's built-in approver does. Turn off when another approver decides.</summary>
    public bool AutoApprove { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(ClusterName) || ClusterName.Contains('/'))
            yield return new ValidationResult($"{Section}:ClusterName must be a non-empty name without '/' (got \"{ClusterName}\")");
        if (string.IsNullOrWhiteSpace(ClusterResourceNamespace))
            yield return new ValidationResult($"{Section}:ClusterResourceNamespace must name a namespace, e.g. cert-manager");
        if (Storage is not ("memory" or "redis"))
            yield return new ValidationResult($"{Section}:Storage must be \"memory\" or \"redis\" (got \"{Storage}\")");
        if (Storage == "redis" && string.IsNullOrWhiteSpace(Redis.ConnectionString))
            yield return new ValidationResult($"{Section}:Redis:ConnectionString is required when {Section}:Storage is \"redis\" (e.g. localhost:6379)");
        foreach (var (key, port) in new[] { ("Orleans:SiloPort", Orleans.SiloPort), ("Orleans:GatewayPort", Orleans.GatewayPort), ("Http:Port", Http.Port) })
            if (port is < 1 or > 65535)
                yield return new ValidationResult($"{Section}:{key} must be a TCP port between 1 and 65535 (got {port})");
    }
}

public sealed class RedisSettings
{
    public string? ConnectionString { get; set; }
}

public sealed class OrleansSettings
{
    public string ClusterId { get; set; } = "certfleet";
    public string ServiceId { get; set; } = "certfleet";
    public int SiloPort { get; set; } = 11111;
    public int GatewayPort { get; set; } = 30000;
}

public sealed class HttpSettings
{
    /// <summary>Port for /health/* and the Orleans dashboard.</summary>
    public int Port { get; set; } = 8080;
}
