using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains.State;

/// <summary>The certificate whose renewal information is followed (public data only) and the last suggestion.</summary>
[GenerateSerializer, Alias("certfleet.RenewalInfoState")]
public sealed record RenewalInfoState
{
    [Id(0)] public AcmeIssuerContext? Issuer { get; set; }
    [Id(1)] public string? CertId { get; set; }
    [Id(2)] public string? SerialHex { get; set; }
    /// <summary>Checks stop once the certificate has expired.</summary>
    [Id(3)] public DateTimeOffset NotAfter { get; set; }
    [Id(4)] public RenewalSuggestion? Suggestion { get; set; }
}
