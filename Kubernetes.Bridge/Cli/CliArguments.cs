namespace CertFleet.Kubernetes.Bridge.Cli;

/// <summary>
/// A parsed command line: the words (verb and names) and kubectl's usual flags, accepted anywhere on the line as
/// <c>--flag value</c>, <c>--flag=value</c> or <c>-n value</c>.
/// </summary>
public sealed record CliArguments
{
    public IReadOnlyList<string> Words { get; init; } = [];
    public string? Kubeconfig { get; init; }
    public string? Context { get; init; }
    public string? Namespace { get; init; }

    /// <summary>A member cluster of the fleet, reached through its cluster Secret in the home cluster (--cluster).</summary>
    public string? Cluster { get; init; }

    /// <summary>Where the cluster Secrets are: the controller's namespace in the home cluster.</summary>
    public string ControllerNamespace { get; init; } = DefaultControllerNamespace;

    public const string DefaultControllerNamespace = "cert-manager";
    public bool AllNamespaces { get; init; }
    public bool All { get; init; }
    public string? Selector { get; init; }
    public OutputFormat Output { get; init; } = OutputFormat.Text;

    /// <summary>The fleet commands' silo dashboard address, e.g. http://localhost:8081 (else CERTFLEET_URL).</summary>
    public string? Url { get; init; }

    /// <summary>A file holding the dashboard's bearer token (else CERTFLEET_TOKEN_FILE).</summary>
    public string? TokenFile { get; init; }

    /// <summary>A file holding the dashboard's user:password (else CERTFLEET_CREDENTIALS_FILE).</summary>
    public string? CredentialsFile { get; init; }

    /// <summary>`fleet certificates --expiring 30d`: only Certificates whose notAfter is that close.</summary>
    public string? Expiring { get; init; }
    public bool Help { get; init; }

    private static readonly Dictionary<string, string> ValueFlags = new(StringComparer.Ordinal)
    {
        ["--kubeconfig"] = "kubeconfig",
        ["--context"] = "context",
        ["-n"] = "namespace",
        ["--namespace"] = "namespace",
        ["-l"] = "selector",
        ["--selector"] = "selector",
        ["-o"] = "output",
        ["--cluster"] = "cluster",
        ["--controller-namespace"] = "controller-namespace",
        ["--output"] = "output",
        ["--url"] = "url",
        ["--token-file"] = "token-file",
        ["--credentials-file"] = "credentials-file",
        ["--expiring"] = "expiring",
    };

    /// <exception cref="CliException">An unknown flag, a flag without its value, or an unknown output format.</exception>
    public static CliArguments Parse(IReadOnlyList<string> args)
    {
        var words = new List<string>();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        bool allNamespaces = false, all = false, help = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "-A" or "--all-namespaces") { allNamespaces = true; continue; }
            if (arg == "--all") { all = true; continue; }
            if (arg is "-h" or "--help") { help = true; continue; }
            if (!arg.StartsWith('-') || arg == "-")
            {
                words.Add(arg);
                continue;
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var flag = equals > 0 ? arg[..equals] : arg;
            if (!ValueFlags.TryGetValue(flag, out var name))
                throw CliException.Usage($"unknown flag \"{flag}\"");
            string value;
            if (equals > 0)
                value = arg[(equals + 1)..];
            else if (i + 1 < args.Count)
                value = args[++i];
            else
                throw CliException.Usage($"flag \"{flag}\" needs a value");
            if (value.Length == 0)
                throw CliException.Usage($"flag \"{flag}\" needs a value");
            values[name] = value;
        }

        return new CliArguments
        {
            Words = words,
            Kubeconfig = values.GetValueOrDefault("kubeconfig"),
            Context = values.GetValueOrDefault("context"),
            Namespace = values.GetValueOrDefault("namespace"),
            Cluster = values.GetValueOrDefault("cluster"),
            ControllerNamespace = values.GetValueOrDefault("controller-namespace") ?? DefaultControllerNamespace,
            Selector = values.GetValueOrDefault("selector"),
            Url = values.GetValueOrDefault("url"),
            TokenFile = values.GetValueOrDefault("token-file"),
            CredentialsFile = values.GetValueOrDefault("credentials-file"),
            Expiring = values.GetValueOrDefault("expiring"),
            AllNamespaces = allNamespaces,
            All = all,
            Help = help,
            Output = values.GetValueOrDefault("output") switch
            {
                null or "text" or "wide" => OutputFormat.Text,
                "json" => OutputFormat.Json,
                var other => throw CliException.Usage($"unknown output format \"{other}\" for -o; use json, or leave -o out for text"),
            },
        };
    }
}

public enum OutputFormat
{
    Text,
    Json,
}
