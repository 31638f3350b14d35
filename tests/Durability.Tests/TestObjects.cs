using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using Orleans.Runtime;

namespace CertFleet.Durability.Tests;

/// <summary>Grain inputs that need no Kubernetes: an Issuer whose CA Secret does not exist.</summary>
public static class TestObjects
{
    /// <summary>Not ready, so the issuer grain registers its 1-minute "recheck" reminder.</summary>
    public static IssuerObject CaIssuerWithMissingSecret(string ns, string name) => new()
    {
        Kind = "Issuer",
        Metadata = new ObjectMeta { Name = name, Namespace = ns, Uid = $"uid-{name}", Generation = 1 },
        Spec = new IssuerSpec { CA = new CaIssuer { SecretName = "missing-ca" } },
    };

    public static GrainId IssuerGrainId(string key) => GrainId.Create("issuer", key);
}
