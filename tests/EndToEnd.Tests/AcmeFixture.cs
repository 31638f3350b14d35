using CertFleet.TestSupport;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// The controller fixture plus Debian's Pebble: Pebble validates HTTP-01 on the silo's solver port (challtestsrv's DNS
/// answers 127.0.0.1 for every name), and the silo's self-check resolves names through the same DNS server.
/// </summary>
public sealed class AcmeFixture : ControllerFixture
{
    private readonly int _solverPort = Processes.FreePort();

    public PebbleServer Pebble { get; private set; } = null!;

    protected override async Task BeforeSiloAsync() =>
        Pebble = await PebbleServer.StartAsync(new PebbleOptions { HttpChallengePort = _solverPort, AuthorizationReusePercent = 0 });

    protected override IReadOnlyDictionary<string, string> SiloSettings => new Dictionary<string, string>
    {
        ["CertFleet__Http01__SolverPort"] = _solverPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["CertFleet__Http01__SelfCheckPort"] = _solverPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["CertFleet__Http01__Nameservers__0"] = $"127.0.0.1:{Pebble.ChallengeServer.DnsPort}",
    };

    protected override async ValueTask DisposeExtrasAsync()
    {
        if (Pebble is not null)
            await Pebble.DisposeAsync();
    }

    /// <summary>A ClusterIssuer for this Pebble, shaped like the guide's seed 01 (HTTP-01 through an nginx Ingress).</summary>
    public string ClusterIssuer(string name, string extraAcme = "") => $$"""
        apiVersion: cert-manager.io/v1
        kind: ClusterIssuer
        metadata:
          name: {{name}}
        spec:
          acme:
            server: {{Pebble.DirectoryUrl}}
            caBundle: {{Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Pebble.ListenerCaPem))}}
            privateKeySecretRef:
              name: {{name}}-account-key
        {{extraAcme}}
            solvers:
              - http01:
                  ingress:
                    class: nginx
        """;
}

[CollectionDefinition(Name)]
public sealed class AcmeCollection : ICollectionFixture<AcmeFixture>
{
    public const string Name = "acme";
}
