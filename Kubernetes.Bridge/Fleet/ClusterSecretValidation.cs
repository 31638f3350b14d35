using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using CertFleet.Interfaces.Fleet;
using k8s;
using k8s.KubeConfigModels;

namespace CertFleet.Kubernetes.Bridge.Fleet;

/// <summary>A cluster Secret that passed <see cref="ClusterSecretValidation"/>: what <see cref="KubernetesClusters.Add"/> takes.</summary>
/// <param name="Fingerprint">Hash of everything the registration is made of: a different one means re-register.</param>
public sealed record ValidClusterSecret(ClusterRegistration Registration, KubernetesClientConfiguration Configuration, string Fingerprint);

/// <summary>
/// Checks one cluster Secret on its own (the uniqueness of names across Secrets is decided by
/// <see cref="ClusterSecretRegistrations"/>). Every refusal names what is wrong and how to fix it; it becomes a Warning
/// Event on the Secret. Kubeconfigs may carry credentials inline only: an exec or auth-provider plugin would run a
/// command (or a cloud SDK) named by whoever may write Secrets in the controller's namespace inside every silo, and a
/// file reference (tokenFile, client-certificate, certificate-authority paths) would read the silo's own files — its
/// service account token among them — and send them to the server the Secret names.
/// </summary>
public static partial class ClusterSecretValidation
{
    /// <summary>The Event reason of a cluster Secret that does not register a member.</summary>
    public const string InvalidReason = "InvalidClusterRegistration";

    /// <summary>The Event reason of a cluster Secret whose member joined (or re-joined with new settings).</summary>
    public const string RegisteredReason = "ClusterRegistered";

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    /// <summary>The registration, or the message of a Warning saying what is wrong.</summary>
    public static (ValidClusterSecret? Valid, string? Error) Validate(ClusterSecret secret, string homeName)
    {
        var name = secret.ClusterName?.Trim();
        if (string.IsNullOrEmpty(name))
            return Refuse($"annotation {FleetNames.ClusterNameAnnotation} is missing: set it to the member cluster's name " +
                "(a DNS label such as \"eu-west-1\"), which starts the keys of its objects");
        if (name.Length > 63 || !Dns1123Label().IsMatch(name))
            return Refuse($"annotation {FleetNames.ClusterNameAnnotation} \"{name}\" is not a valid cluster name: use at most 63 " +
                "lower-case letters, digits and '-', starting and ending with a letter or digit");
        if (name == homeName)
            return Refuse($"annotation {FleetNames.ClusterNameAnnotation} \"{name}\" is the home cluster's name (CertFleet__ClusterName): " +
                "the home cluster is always a member; give this cluster another name");
        if (string.IsNullOrWhiteSpace(secret.Kubeconfig))
            return Refuse($"key \"{FleetNames.KubeconfigKey}\" is missing or empty: put the member cluster's kubeconfig " +
                $"(YAML, credentials inline) under data.{FleetNames.KubeconfigKey}");

        K8SConfiguration kubeconfig;
        try
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(secret.Kubeconfig));
            kubeconfig = KubernetesClientConfiguration.LoadKubeConfig(stream);
        }
        catch (Exception exception)
        {
            // The parser's message may quote the document: only its first line, never the content, is shown.
            return Refuse($"key \"{FleetNames.KubeconfigKey}\" is not a readable kubeconfig ({FirstLine(exception.Message)}): " +
                "store the YAML kubectl writes (kubectl config view --minify --flatten)");
        }

        var contextName = string.IsNullOrEmpty(secret.Context) ? kubeconfig.CurrentContext : secret.Context;
        if (string.IsNullOrEmpty(contextName))
            return Refuse($"the kubeconfig has no current-context: set current-context in it or name one under key \"{FleetNames.ContextKey}\"");
        var context = kubeconfig.Contexts?.FirstOrDefault(c => c.Name == contextName);
        if (context?.ContextDetails is not { } details)
            return Refuse($"the kubeconfig has no context \"{contextName}\"" +
                (string.IsNullOrEmpty(secret.Context) ? " (its current-context)" : $" (named by key \"{FleetNames.ContextKey}\")") +
                $": name one of {Names(kubeconfig.Contexts?.Select(c => c.Name))}");
        var cluster = kubeconfig.Clusters?.FirstOrDefault(c => c.Name == details.Cluster)?.ClusterEndpoint;
        if (cluster is null || string.IsNullOrEmpty(cluster.Server))
            return Refuse($"context \"{contextName}\" names cluster \"{details.Cluster}\", which the kubeconfig does not define with a server URL");
        if (!string.IsNullOrEmpty(cluster.CertificateAuthority))
            return Refuse($"cluster \"{details.Cluster}\" reads certificate-authority from a file: use certificate-authority-data instead");
        var user = kubeconfig.Users?.FirstOrDefault(u => u.Name == details.User)?.UserCredentials;
        if (user is not null)
        {
            if (user.ExternalExecution is not null || user.AuthProvider is not null)
                return Refuse($"user \"{details.User}\" uses an exec or auth-provider plugin, which CertFleet does not run: " +
                    "use a token or a client certificate inline (e.g. a ServiceAccount token)");
            if (!string.IsNullOrEmpty(user.ClientCertificate) || !string.IsNullOrEmpty(user.ClientKey))
                return Refuse($"user \"{details.User}\" reads its client certificate or key from a file: use client-certificate-data and client-key-data instead");
            if (!string.IsNullOrEmpty(TokenFile(secret.Kubeconfig)))
                return Refuse($"user \"{details.User}\" reads its token from a file (tokenFile): put the token inline under token instead");
        }

        KubernetesClientConfiguration configuration;
        try
        {
            configuration = KubernetesClientConfiguration.BuildConfigFromConfigObject(kubeconfig, contextName);
        }
        catch (Exception exception)
        {
            return Refuse($"the kubeconfig's context \"{contextName}\" cannot be used ({FirstLine(exception.Message)}): " +
                "check its server URL and inline certificates");
        }

        // An unusable HTTP-01 endpoint does not keep the member out: its FleetCertificates' Challenges name the problem.
        var registration = new ClusterRegistration(name, ClusterRegistration.SecretSource, secret.Labels) { Http01Endpoint = secret.Http01Endpoint };
        return (new ValidClusterSecret(registration, configuration, Fingerprint(name, contextName, secret)), null);
    }

    private static (ValidClusterSecret?, string?) Refuse(string message) => (null, message);

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    private static string Names(IEnumerable<string>? names) =>
        names?.ToList() is { Count: > 0 } list ? string.Join(", ", list.Select(n => $"\"{n}\"")) : "(none: the kubeconfig has no contexts)";

    // The client's model has no tokenFile field (it would drop it silently), so the text is looked at directly.
    private static string? TokenFile(string kubeconfig) =>
        Regex.Match(kubeconfig, @"^\s*tokenFile\s*:\s*(\S+)", RegexOptions.Multiline) is { Success: true } match ? match.Groups[1].Value : null;

    private static string Fingerprint(string name, string context, ClusterSecret secret)
    {
        var text = new StringBuilder().Append(name).Append('\n').Append(context).Append('\n').Append(secret.Kubeconfig).Append('\n')
            .Append(secret.Http01Endpoint).Append('\n');
        foreach (var (key, value) in secret.Labels.OrderBy(label => label.Key, StringComparer.Ordinal))
            text.Append(key).Append('=').Append(value).Append('\n');
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
