using System.Diagnostics;
using System.Text;

namespace CertFleet.EndToEnd.Tests.Fleet;

/// <summary>
/// The fleet every fleet test shares (<see cref="FleetCollection"/>): the home emulator, two silos on Redis with Pebble
/// behind the counting proxy (<see cref="SiloClusterFixture"/>), and member emulators registered by cluster Secrets in
/// the home cluster's cert-manager namespace. The two members made at start (<see cref="MemberNames"/>, labels
/// <c>fleet-test=shared</c> and <c>region</c>) stay registered for every test; a test that makes members join or
/// leave adds emulators of its own (<see cref="AddMemberEmulatorAsync"/>), so the shared ones stay as the others expect.
/// Leases are short, so a silo's death shows within seconds.
/// </summary>
public sealed class FleetFixture : SiloClusterFixture
{
    public const string SecretNamespace = "cert-manager";

    /// <summary>The home cluster's name (CertFleet__ClusterName).</summary>
    public const string HomeName = "home";

    /// <summary>The members registered at start.</summary>
    public static readonly IReadOnlyList<string> MemberNames = ["member-1", "member-2"];

    private readonly Dictionary<string, MemberEmulator> _members = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public static readonly TimeSpan FleetLeaseDuration = TimeSpan.FromSeconds(6);
    public static readonly TimeSpan FleetRenewDeadline = TimeSpan.FromSeconds(4);
    public static readonly TimeSpan FleetRetryPeriod = TimeSpan.FromSeconds(1);

    protected override int SiloCount => 2;

    protected override string ServiceId => "fleet";

    /// <summary>The silos' settings: a test adding its own (another silo, say) starts from these.</summary>
    protected override IReadOnlyDictionary<string, string> SiloSettings => new Dictionary<string, string>(base.SiloSettings)
    {
        ["CertFleet__ClusterName"] = HomeName,
        ["CertFleet__LeaseDuration"] = FleetLeaseDuration.ToString(),
        ["CertFleet__RenewDeadline"] = FleetRenewDeadline.ToString(),
        ["CertFleet__RetryPeriod"] = FleetRetryPeriod.ToString(),
        // The fleet page and API (FleetViewTests) on each silo's dashboard port, behind a bearer token.
        ["CertFleet__Dashboard__Enabled"] = "true",
        ["CertFleet__Dashboard__BearerTokenFile"] = DashboardTokenFile,
        // FleetCertificates' HTTP-01 solver routes in the members forward here: the silos' responders behind the front
        // port. A name (an ExternalName Service): Kubernetes refuses loopback addresses in EndpointSlices.
        ["CertFleet__Fleet__Http01Endpoint"] = $"localhost:{SolverPort}",
    };

    /// <summary>The dashboard's bearer token, as the CLI's --token-file reads it (written before the silos start).</summary>
    public string DashboardTokenFile => Path.Combine(Directory, "dashboard-token");

    /// <summary>Every member emulator by cluster name (registered or not).</summary>
    public IReadOnlyDictionary<string, MemberEmulator> Members
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<string, MemberEmulator>(_members);
            }
        }
    }

    public MemberEmulator Member(string name) => Members[name];

    private string Directory => Path.GetDirectoryName(Kubeconfig)!;

    protected override async Task BeforeSiloAsync()
    {
        await File.WriteAllTextAsync(DashboardTokenFile, $"fleet-{Guid.NewGuid():N}");
        await base.BeforeSiloAsync();
        await Task.WhenAll(MemberNames.Select(AddMemberEmulatorAsync));
    }

    protected override async Task StartSilosAsync()
    {
        await base.StartSilosAsync();
        var regions = new[] { "eu", "us" };
        for (var i = 0; i < MemberNames.Count; i++)
            await RegisterMemberAsync(MemberNames[i], new Dictionary<string, string> { ["fleet-test"] = "shared", ["region"] = regions[i % regions.Length] });
    }

    /// <summary>Starts one more member emulator (not registered yet: <see cref="RegisterMemberAsync"/> does that).</summary>
    public async Task<MemberEmulator> AddMemberEmulatorAsync(string name)
    {
        var member = await MemberEmulator.StartAsync(name, Directory);
        lock (_lock)
        {
            _members.Add(name, member);
        }
        return member;
    }

    /// <summary>The name of the cluster Secret <see cref="RegisterMemberAsync"/> writes for <paramref name="cluster"/>.</summary>
    public static string SecretName(string cluster) => $"cluster-{cluster}";

    /// <summary>
    /// Registers member <paramref name="name"/>: a Secret labelled certfleet.io/cluster=true (plus
    /// <paramref name="labels"/>) in the home cluster's cert-manager namespace, holding the kubeconfig of the member's
    /// silo identity. Returns when the Secret exists (the silos join the member moments later).
    /// </summary>
    public async Task RegisterMemberAsync(string name, IReadOnlyDictionary<string, string>? labels = null)
    {
        var kubeconfig = await File.ReadAllTextAsync(Member(name).SiloKubeconfig);
        await MustApplyAsync(ClusterSecret(SecretName(name), name, kubeconfig, labels));
    }

    /// <summary>Deletes the member's cluster Secret: the member leaves the fleet.</summary>
    public Task UnregisterMemberAsync(string name) =>
        MustAsync("-n", SecretNamespace, "delete", "secret", SecretName(name), "--ignore-not-found");

    /// <summary>A cluster Secret as a user writes one; any part may be left out (null) to make a bad registration.</summary>
    public static string ClusterSecret(string secretName, string? clusterName, string? kubeconfig,
        IReadOnlyDictionary<string, string>? labels = null, string? context = null)
    {
        var yaml = new StringBuilder($"""
            apiVersion: v1
            kind: Secret
            metadata:
              name: {secretName}
              namespace: {SecretNamespace}
              labels:
                certfleet.io/cluster: "true"

            """);
        foreach (var (key, value) in labels ?? new Dictionary<string, string>())
            yaml.Append($"    {key}: \"{value}\"\n");
        if (clusterName is not null)
            yaml.Append($"  annotations:\n    certfleet.io/cluster-name: \"{clusterName}\"\n");
        yaml.Append("type: Opaque\ndata:\n");
        if (kubeconfig is not null)
            yaml.Append($"  kubeconfig: {Convert.ToBase64String(Encoding.UTF8.GetBytes(kubeconfig))}\n");
        if (context is not null)
            yaml.Append($"  context: {Convert.ToBase64String(Encoding.UTF8.GetBytes(context))}\n");
        return yaml.ToString();
    }

    /// <summary>Waits until <paramref name="condition"/> holds for the member's object; returns the seconds it took.</summary>
    public static async Task<double> WaitForConditionAsync(MemberEmulator member, string ns, string resource, string condition, int seconds)
    {
        var stopwatch = Stopwatch.StartNew();
        await Processes.Eventually(async () => (await member.KubectlAsync("-n", ns, "get", resource,
                "-o", $"jsonpath={{.status.conditions[?(@.type==\"{condition}\")].status}}")).Output.Trim(),
            status => status == "True", $"{resource} in member {member.Name} to be {condition}", seconds);
        return stopwatch.Elapsed.TotalSeconds;
    }

    /// <summary>The Warning Events on a cluster Secret in the home cluster, as "reason: message" lines.</summary>
    public async Task<string> SecretWarningsAsync(string secretName)
    {
        var (_, output, _) = await KubectlAsync("-n", SecretNamespace, "get", "events",
            "--field-selector", $"involvedObject.kind=Secret,involvedObject.name={secretName}",
            "-o", "jsonpath={range .items[?(@.type==\"Warning\")]}{.reason}: {.message}{\"\\n\"}{end}");
        return output;
    }

    protected override async ValueTask DisposeExtrasAsync()
    {
        await base.DisposeExtrasAsync();
        foreach (var member in Members.Values)
            await member.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class FleetCollection : ICollectionFixture<FleetFixture>
{
    public const string Name = "fleet";
}
