using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains.State;

/// <summary>Durable progress of one CertificateRequest: the request, who waits for it, and its outcome.</summary>
[GenerateSerializer, Alias("certfleet.CertificateRequestState")]
public sealed record CertificateRequestState
{
    [Id(0)] public CertificateRequest? Request { get; set; }
    /// <summary>The Certificate to tell when the outcome arrives later than the submission.</summary>
    [Id(1)] public ObjectKey? Certificate { get; set; }
    [Id(2)] public RequestOutcome? Outcome { get; set; }
    [Id(3)] public bool Approved { get; set; }
    [Id(4)] public bool Denied { get; set; }
    [Id(5)] public string? DenialMessage { get; set; }
    /// <summary>The ACME Order working on this request, once created.</summary>
    [Id(6)] public string? OrderName { get; set; }
    /// <summary>The resourceVersion of this grain's own last status write: watch events at or below it are echoes.</summary>
    [Id(7)] public string? WrittenVersion { get; set; }
}
