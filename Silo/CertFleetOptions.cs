using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using CertFleet.Providers.Http01;
using CertFleet.Silo.Dashboard;

namespace CertFleet.Silo;

/// <summary>
/// The silo's own part of the "CertFleet" configuration section (appsettings.json, or environment variables such as
/// <c>CertFleet__Storage</c>): storage, endpoints, dashboard. Grains and the bridge bind theirs from the same section
/// (<see cref="SiloSettings"/>). Validated at start; errors name the key to fix.
/// </summary>
public sealed class CertFleetOptions : IValidatableObject
{
    public const string Section = "CertFleet";

    /// <summary>Name of the Kubernetes cluster this silo serves; the first part of every grain key.</summary>
    public string ClusterName { get; set; } = "local";

    /// <summary>"memory" (demo, tests) or "redis" (production: grain state, reminders and clustering in Redis).</summary>
    public string Storage { get; set; } = "memory";

    public RedisSettings Redis { get; set; } = new();

    public OrleansSettings Orleans { get; set; } = new();

    public HttpSettings Http { get; set; } = new();

    public Http01Settings Http01 { get; set; } = new();

    public MetricsSettings Metrics { get; set; } = new();

    public DashboardSettings Dashboard { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(ClusterName) || ClusterName.Contains('/'))
            yield return new ValidationResult($"{Section}:ClusterName must be a non-empty name without '/' (got \"{ClusterName}\")");
        if (Storage is not ("memory" or "redis"))
            yield return new ValidationResult($"{Section}:Storage must be \"memory\" or \"redis\" (got \"{Storage}\")");
        if (Storage == "redis")
            foreach (var problem in Redis.Problems($"{Section}:Redis"))
                yield return new ValidationResult(problem);
        foreach (var (key, port) in new[]
                 {
                     ("Orleans:SiloPort", Orleans.SiloPort), ("Orleans:GatewayPort", Orleans.GatewayPort ?? Orleans.SiloPort), ("Http:Port", Http.Port),
                     ("Http01:SolverPort", Http01.SolverPort), ("Http01:SelfCheckPort", Http01.SelfCheckPort),
                     ("Metrics:Port", Metrics.Port),
                 })
            if (port is < 1 or > 65535)
                yield return new ValidationResult($"{Section}:{key} must be a TCP port between 1 and 65535 (got {port})");
        if (Http01.SolverPort == Http.Port)
            yield return new ValidationResult(
                $"{Section}:Http01:SolverPort must differ from {Section}:Http:Port: the solver port is exposed to the CA and serves nothing else (both are {Http.Port})");
        if (Metrics.Port == Http01.SolverPort || Metrics.Port == Http.Port)
            yield return new ValidationResult(
                $"{Section}:Metrics:Port must differ from {Section}:Http:Port and {Section}:Http01:SolverPort (got {Metrics.Port})");
        if (Dashboard.Enabled)
            foreach (var problem in Dashboard.Problems($"{Section}:Dashboard", [Http.Port, Http01.SolverPort, Metrics.Port]))
                yield return new ValidationResult(problem);
        if (Orleans.GatewayPort == Orleans.SiloPort)
            yield return new ValidationResult($"{Section}:Orleans:GatewayPort must differ from {Section}:Orleans:SiloPort (both are {Orleans.SiloPort}); leave it unset for no gateway");
        foreach (var problem in Orleans.Tls.Problems($"{Section}:Orleans:Tls"))
            yield return new ValidationResult(problem);
        foreach (var nameserver in Http01.Nameservers.Where(nameserver => !NameserverEndpoint.TryParse(nameserver, out _)))
            yield return new ValidationResult($"{Section}:Http01:Nameservers entries must be ip:port, e.g. 10.96.0.10:53 (got \"{nameserver}\")");
    }
}

public sealed class RedisSettings
{
    /// <summary>A StackExchange.Redis connection string: host:port entries and options, comma-separated.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// PEM file of the CA that signed the Redis servers' certificates, for ssl=true against a private CA; empty: the
    /// system's trusted roots. The server's name is checked either way (sslHost=... when it differs from the host).
    /// </summary>
    public string? TrustedCaFile { get; set; }

    /// <summary>The options each Redis provider connects with; call only once <see cref="Problems"/> found none.</summary>
    public StackExchange.Redis.ConfigurationOptions ClientOptions()
    {
        var options = StackExchange.Redis.ConfigurationOptions.Parse(ConnectionString!);
        if (!string.IsNullOrWhiteSpace(TrustedCaFile))
            options.TrustIssuer(TrustedCaFile);
        return options;
    }

    /// <summary>What keeps these settings from working, each naming its key under <paramref name="section"/>.</summary>
    public IEnumerable<string> Problems(string section)
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return $"{section}:ConnectionString is required when CertFleet:Storage is \"redis\" (e.g. localhost:6379)";
            yield break;
        }
        if (ConnectionStringProblem() is { } problem)
        {
            yield return $"{section}:ConnectionString {problem} (e.g. localhost:6379, or redis-0:6379,redis-1:6379,password=...)";
            yield break;
        }
        if (string.IsNullOrWhiteSpace(TrustedCaFile))
            yield break;
        if (!StackExchange.Redis.ConfigurationOptions.Parse(ConnectionString).Ssl)
            yield return $"{section}:TrustedCaFile is set but {section}:ConnectionString does not say ssl=true; add ssl=true (and sslHost=... if the certificate names another host)";
        else if (TrustedCaProblem() is { } caProblem)
            yield return $"{section}:TrustedCaFile {caProblem}";
    }

    private string? TrustedCaProblem()
    {
        try
        {
            var certificates = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
            certificates.ImportFromPemFile(TrustedCaFile!);
            return certificates.Count == 0 ? $"holds no PEM certificate (\"{TrustedCaFile}\")" : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            return $"cannot be read as a PEM certificate (\"{TrustedCaFile}\"): {ex.Message}";
        }
    }

    /// <summary>Why <see cref="ConnectionString"/> cannot be used, or null; checked at start, not when Redis is first needed.</summary>
    public string? ConnectionStringProblem()
    {
        try
        {
            var endPoints = StackExchange.Redis.ConfigurationOptions.Parse(ConnectionString ?? "").EndPoints;
            if (endPoints.Count == 0)
                return $"names no host:port (got \"{Redacted(ConnectionString)}\")";
            // StackExchange.Redis takes a URL as a host name, and would print it with its password in every connection error.
            if (endPoints.Any(endPoint => endPoint.ToString()!.Contains('@') || endPoint.ToString()!.Contains("://", StringComparison.Ordinal)))
                return $"is a URL, which StackExchange.Redis does not read; write host:port,user=...,password=... (got \"{Redacted(ConnectionString)}\")";
            return null;
        }
        catch (ArgumentException ex)
        {
            // Only keywords and non-secret values appear in these messages; password values never fail to parse.
            return $"is not a Redis connection string: {ex.Message}";
        }
    }

    /// <summary>
    /// <paramref name="connectionString"/> fit for a message or a log: the value of every *password* option and the
    /// password of a user:password@ form replaced by ***, everything else (hosts, ssl, user) kept.
    /// </summary>
    public static string Redacted(string? connectionString) =>
        string.Join(',', (connectionString ?? "").Split(',').Select(part =>
            part.IndexOfAny(['=', ':']) is > 0 and var separator && part[..separator].Contains("password", StringComparison.OrdinalIgnoreCase)
                ? part[..(separator + 1)] + "***"
                : UserInfoPassword.Replace(part, "${user}:***@")));

    private static readonly Regex UserInfoPassword = new("(?<user>(^|//)[^:/@]*):[^/]*@", RegexOptions.CultureInvariant);
}

public sealed class OrleansSettings
{
    public string ClusterId { get; set; } = "certfleet";
    public string ServiceId { get; set; } = "certfleet";
    public int SiloPort { get; set; } = 11111;

    /// <summary>
    /// Port of the Orleans client gateway; unset: no gateway. Silos talk to each other on <see cref="SiloPort"/> only;
    /// nothing in CertFleet is an Orleans client, so the gateway is opened only for a tool that asks for one.
    /// </summary>
    public int? GatewayPort { get; set; }

    public OrleansTlsSettings Tls { get; set; } = new();
}

public sealed class HttpSettings
{
    /// <summary>Port for /health/* (the probes) and nothing behind credentials.</summary>
    public int Port { get; set; } = 8080;
}

/// <summary>cert-manager's metrics endpoint, <c>/metrics</c> in Prometheus' text format.</summary>
public sealed class MetricsSettings
{
    /// <summary>cert-manager's port; serves /metrics and nothing else.</summary>
    public int Port { get; set; } = 9402;
}

/// <summary>
/// The Orleans dashboard (silos, grain activations, call rates, reminders). Off by default; when on, it is served on a
/// port of its own and only to requests with the credentials read from <see cref="CredentialsFile"/> or
/// <see cref="BearerTokenFile"/> (files mounted from a Secret).
/// </summary>
public sealed class DashboardSettings
{
    public bool Enabled { get; set; }

    /// <summary>Port to serve it on, which nothing else uses; required when enabled.</summary>
    public int? Port { get; set; }

    public string Path { get; set; } = "/dashboard";

    /// <summary>File holding <c>user:password</c> for HTTP basic authentication.</summary>
    public string? CredentialsFile { get; set; }

    /// <summary>File holding a token accepted as <c>Authorization: Bearer ...</c>.</summary>
    public string? BearerTokenFile { get; set; }

    /// <summary>What keeps an enabled dashboard from being served, each naming its key under <paramref name="section"/>.</summary>
    /// <param name="otherPorts">The silo's other HTTP ports (http, solver, metrics), which the dashboard must not share.</param>
    public IEnumerable<string> Problems(string section, IReadOnlyCollection<int> otherPorts)
    {
        if (Port is not { } port)
            yield return $"{section}:Port is required when {section}:Enabled is true: the dashboard is served on a port of its own (e.g. 8081)";
        else if (port is < 1 or > 65535)
            yield return $"{section}:Port must be a TCP port between 1 and 65535 (got {port})";
        else if (otherPorts.Contains(port))
            yield return $"{section}:Port must differ from CertFleet:Http:Port, CertFleet:Http01:SolverPort and CertFleet:Metrics:Port (got {port})";
        if (!(Path.StartsWith('/') && Path.Length > 1 && !Path.EndsWith('/')))
            yield return $"{section}:Path must be a path such as /dashboard (got \"{Path}\")";
        else if (Path.Equals(FleetEndpoint.Path, StringComparison.OrdinalIgnoreCase) || Path.StartsWith(FleetEndpoint.Path + "/", StringComparison.OrdinalIgnoreCase))
            yield return $"{section}:Path must not be {FleetEndpoint.Path}: the fleet page is served there on the same port (got \"{Path}\")";
        if (string.IsNullOrWhiteSpace(CredentialsFile) && string.IsNullOrWhiteSpace(BearerTokenFile))
            yield return $"{section}:Enabled is true but neither {section}:CredentialsFile nor {section}:BearerTokenFile is set: " +
                         "the dashboard is only served with credentials; mount a Secret holding user:password or a token and name the file";
        foreach (var (key, file, credentials) in new[] { ("CredentialsFile", CredentialsFile, true), ("BearerTokenFile", BearerTokenFile, false) })
            if (!string.IsNullOrWhiteSpace(file) && DashboardCredentials.FileProblem(file, credentials) is { } problem)
                yield return $"{section}:{key} {problem}";
    }
}

/// <summary>The HTTP-01 responder every silo runs, and the self-check that tests the route to it.</summary>
public sealed class Http01Settings
{
    /// <summary>Port of the challenge responder; the solver Service targets it.</summary>
    public int SolverPort { get; set; } = 8089;

    /// <summary>
    /// Nameservers ("ip:port") the self-check resolves challenge names with (cert-manager's
    /// --acme-http01-solver-nameservers); empty: the system resolver.
    /// </summary>
    public List<string> Nameservers { get; set; } = [];

    /// <summary>Port the self-check connects to: 80 as the CA does; tests point it at the solver port.</summary>
    public int SelfCheckPort { get; set; } = 80;

    /// <summary>What the self-check is built with; a method, so that it is no setting of its own.</summary>
    public Http01SelfCheckOptions SelfCheckOptions() => new() { Nameservers = Nameservers, Port = SelfCheckPort };
}
