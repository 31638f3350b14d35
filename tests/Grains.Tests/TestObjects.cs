using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;

namespace CertFleet.Grains.Tests;

/// <summary>Builders for the objects the bridge would hand to grains, and polling for the outcome.</summary>
public static class TestObjects
{
    public const string Cluster = "test";

    public static string NewNamespace() => $"ns-{Guid.NewGuid():N}"[..12];

    public static ObjectKey Key(string ns, string name) => new(Cluster, ns, name);

    public static Certificate Certificate(string ns, string name, Action<CertificateSpecBuilder>? configure = null, long generation = 1, string? uid = null)
    {
        var spec = new CertificateSpecBuilder { SecretName = $"{name}-tls", DnsNames = [$"{name}.example.test"] };
        configure?.Invoke(spec);
        return new Certificate
        {
            Metadata = new ObjectMeta { Name = name, Namespace = ns, Uid = uid ?? $"uid-{name}-{ns}", Generation = generation },
            Spec = spec.Build(),
        };
    }

    public static IssuerObject SelfSignedClusterIssuer(string name) => new()
    {
        Kind = "ClusterIssuer",
        Metadata = new ObjectMeta { Name = name, Uid = $"uid-{name}", Generation = 1 },
        Spec = new IssuerSpec { SelfSigned = new SelfSignedIssuer() },
    };

    public static IssuerObject CaIssuer(string ns, string name, string secretName) => new()
    {
        Kind = "Issuer",
        Metadata = new ObjectMeta { Name = name, Namespace = ns, Uid = $"uid-{name}-{ns}", Generation = 1 },
        Spec = new IssuerSpec { CA = new CaIssuer { SecretName = secretName } },
    };

    public static async Task<T> Eventually<T>(Func<Task<T>> probe, Func<T, bool> done, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        T last = await probe();
        while (!done(last))
        {
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException($"timed out waiting for {what}; last value: {System.Text.Json.JsonSerializer.Serialize(last, ApiJson.Options)}");
            await Task.Delay(25);
            last = await probe();
        }
        return last;
    }

    public static CertificateStatus? StatusOf(FakeCluster cluster, string ns, string name) =>
        cluster.Status<CertificateStatus>(ResourceKind.Certificate, Key(ns, name));

    public static Condition? ConditionOf(FakeCluster cluster, string ns, string name, string type) =>
        StatusOf(cluster, ns, name)?.Conditions?.FirstOrDefault(c => c.Type == type);
}

/// <summary>Mutable stand-in for the init-only spec record, so tests can say only what differs.</summary>
public sealed class CertificateSpecBuilder
{
    public string SecretName { get; set; } = "";
    public string IssuerName { get; set; } = "selfsigned";
    public string IssuerKind { get; set; } = "ClusterIssuer";
    public string? CommonName { get; set; }
    public List<string>? DnsNames { get; set; }
    public string? Duration { get; set; }
    public string? RenewBefore { get; set; }
    public bool? IsCA { get; set; }
    public string? Algorithm { get; set; } = "ECDSA";
    public int? Size { get; set; }

    public CertificateSpec Build() => new()
    {
        SecretName = SecretName,
        IssuerRef = new IssuerRef { Name = IssuerName, Kind = IssuerKind, Group = "cert-manager.io" },
        CommonName = CommonName,
        DnsNames = DnsNames,
        Duration = Duration,
        RenewBefore = RenewBefore,
        IsCA = IsCA,
        PrivateKey = new CertificatePrivateKey { Algorithm = Algorithm, Size = Size },
    };
}
