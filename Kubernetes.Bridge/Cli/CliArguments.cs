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
