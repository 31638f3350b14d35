using CertFleet.Grains;
using CertFleet.Grains.RateLimits;
using CertFleet.Kubernetes.Bridge;
using CertFleet.Kubernetes.Bridge.Shims;
using CertFleet.Kubernetes.Bridge.Solving;
using CertFleet.Grains.Policies;
using CertFleet.Providers.RateLimits;
using Microsoft.Extensions.Options;

namespace CertFleet.Silo;

/// <summary>
/// The CertFleet configuration section: each settings group bound from its section into the option type that uses it,
/// and checked as a whole before the silo is composed.
/// </summary>
public static class SiloSettings
{
    /// <summary>
    /// Binds every option type read from CertFleet, each validated at start (<c>ValidateOnStart</c>). The bridge checks
    /// its own (<see cref="BridgeServiceCollectionExtensions.AddKubernetesBridge(IServiceCollection)"/>).
    /// </summary>
    public static IServiceCollection AddSiloSettings(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(CertFleetOptions.Section);
        var rateLimits = section.GetSection("RateLimits");
        return services
            .AddSettings<CertFleetOptions>(section,
                o => o.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(o)).Select(result => result.ErrorMessage!))
            .AddSettings<IssuanceOptions>(section, o => o.Problems(section.Path))
            .AddSettings<RateLimitOptions>(rateLimits, o => o.Problems(rateLimits.Path).Concat(PublicSuffixListProblems(o, rateLimits.Path)))
            .AddSettings<BridgeOptions>(section)
            .AddSettings<ShimOptions>(section.GetSection("Shims"))
            .AddSettings<SolverServiceOptions>(section, o => SolverServiceProblems(o, section.Path));
    }

    private static IEnumerable<string> SolverServiceProblems(SolverServiceOptions options, string section)
    {
        if (options.FleetHttp01Endpoint is { Length: > 0 } endpoint && !SolverRelay.Endpoint.TryParse(endpoint, out _))
            yield return $"{section}:Fleet:Http01Endpoint must be host:port (a routable IPv4 address, [IPv6] address or DNS name, and a port; not loopback or link-local), e.g. 203.0.113.10:8089 (got \"{endpoint}\")";
        if (!options.KeepsServices)
            yield break;
        if (!KubernetesNames.IsServiceName(options.SiloServiceName))
            yield return $"{section}:Http01:SiloServiceName must be a Service name (lower-case letters, digits and '-', at most 63) (got \"{options.SiloServiceName}\")";
        if (string.IsNullOrEmpty(options.SiloServiceNamespace))
            yield return $"{section}:Http01:SiloServiceNamespace must be set with {section}:Http01:SiloServiceName: the namespace of that Service (in a pod, POD_NAMESPACE when unset)";
    }

    /// <summary>
    /// Everything wrong with <paramref name="configuration"/>'s CertFleet section, each message naming its key: keys no
    /// option type reads (with the nearest one that is read), lists given both as one value and as indexed keys, and what
    /// each group's validation refuses. A list given as one comma-separated value is first added as indexed keys, which
    /// is how the binder reads lists.
    /// </summary>
    public static IReadOnlyList<string> Prepare(ConfigurationManager configuration)
    {
        // Registered, not started: the bridge adds the checks of the options it owns.
        var services = new ServiceCollection().AddSiloSettings(configuration).AddKubernetesBridge();
        var groups = services.Select(service => service.ImplementationInstance).OfType<SettingsGroup>().ToList();
        var schema = new SettingsSchema(CertFleetOptions.Section,
            groups.Select(group => (group.Type, group.Path[CertFleetOptions.Section.Length..].TrimStart(':'))));
        var findings = schema.Compare(configuration);
        var problems = findings.UnknownKeys.Select(unknown => $"{unknown.Key} is not a known setting; did you mean {unknown.Nearest}?").ToList();

        var indexed = new Dictionary<string, string?>();
        foreach (var list in findings.CommaSeparatedLists)
        {
            if (configuration.GetSection(list).GetChildren().Any())
            {
                problems.Add($"{list} is given both as one value and as indexed keys ({list}:0, …); give one or the other");
                continue;
            }
            var values = configuration[list]!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            for (var i = 0; i < values.Length; i++)
                indexed[ConfigurationPath.Combine(list, i.ToString(System.Globalization.CultureInfo.InvariantCulture))] = values[i];
        }
        if (indexed.Count > 0)
            configuration.AddInMemoryCollection(indexed);

        using var provider = services.BuildServiceProvider();
        problems.AddRange(ValidationProblems(groups, provider));
        return problems;
    }

    /// <summary>
    /// What each group's checks refuse, as the host would at start. A key an earlier group has spoken about is left out:
    /// the silo's own message for it is the one that says how to fix it.
    /// </summary>
    private static List<string> ValidationProblems(IEnumerable<SettingsGroup> groups, IServiceProvider provider)
    {
        var problems = new List<string>();
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var group in groups)
        {
            try
            {
                group.Read(provider);
            }
            catch (OptionsValidationException exception)
            {
                problems.AddRange(exception.Failures.Where(failure => !keys.Contains(KeyOf(failure))));
                keys.UnionWith(exception.Failures.Select(KeyOf));
            }
            catch (InvalidOperationException exception)
            {
                // The binder's own, e.g. "Failed to convert configuration value 'abc' at 'CertFleet:Http:Port' to type 'System.Int32'."
                problems.Add(exception.Message);
            }
        }
        return problems;
    }

    private static string KeyOf(string message) => message.Split(' ', 2)[0].TrimEnd(':');

    /// <summary>The file must be readable; it is parsed once, by the silo's singleton, not here as well.</summary>
    private static IEnumerable<string> PublicSuffixListProblems(RateLimitOptions options, string section)
    {
        try
        {
            PublicSuffixList.RequireFile(options.PublicSuffixListPath);
            return [];
        }
        catch (IOException exception)
        {
            return [$"{section}:PublicSuffixListPath: {exception.Message}"];
        }
    }

    private static IServiceCollection AddSettings<T>(this IServiceCollection services, IConfigurationSection section,
        Func<T, IEnumerable<string>>? problems = null) where T : class
    {
        services.AddOptions<T>().Bind(section).ValidateOnStart();
        if (problems is not null)
            services.AddSingleton<IValidateOptions<T>>(new ProblemsValidation<T>(problems));
        return services.AddSingleton(new SettingsGroup(typeof(T), section.Path, provider => provider.GetRequiredService<IOptions<T>>().Value));
    }

    /// <summary>
    /// One option type bound from the section at <paramref name="Path"/>, and how to read (so bind and validate) it; the
    /// schema of known keys is made of these.
    /// </summary>
    private sealed record SettingsGroup(Type Type, string Path, Func<IServiceProvider, object> Read);

    /// <summary>Refuses options with every problem the type's own check finds, each message as written there.</summary>
    private sealed class ProblemsValidation<T>(Func<T, IEnumerable<string>> problems) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options) =>
            problems(options).ToList() is { Count: > 0 } found ? ValidateOptionsResult.Fail(found) : ValidateOptionsResult.Success;
    }
}
