using CertFleet.Interfaces;
using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains.State;

/// <summary>Durable view of one issuer: its last seen object, readiness, and who waits for it to become ready.</summary>
[GenerateSerializer, Alias("certfleet.IssuerState")]
public sealed record IssuerState
{
    [Id(0)] public IssuerObject? Issuer { get; set; }
    [Id(1)] public IssuerReadiness? Readiness { get; set; }
    [Id(2)] public HashSet<ObjectKey> Waiters { get; set; } = [];
    /// <summary>The CA Secret this issuer subscribed to, so a changed secretName moves the subscription.</summary>
    [Id(3)] public ObjectKey? SubscribedSecret { get; set; }
    /// <summary>For ACME issuers: the registered account (status.acme.uri) and its e-mail.</summary>
    [Id(4)] public AcmeRegistration? AcmeAccount { get; set; }
    /// <summary>The resourceVersion of this issuer's own last status write: watch events at or below it are echoes.</summary>
    [Id(5)] public string? WrittenVersion { get; set; }
    /// <summary>For CA issuers: the resourceVersion of the CA Secret last verified, so signers know when to reload.</summary>
    [Id(6)] public string? CaSecretVersion { get; set; }
}
