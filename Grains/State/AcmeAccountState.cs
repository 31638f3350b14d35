namespace CertFleet.Grains.State;

/// <summary>Which account this issuer registered, at which server and with which key (by thumbprint, never the key).</summary>
[GenerateSerializer, Alias("certfleet.AcmeAccountState")]
public sealed record AcmeAccountState
{
    [Id(0)] public string? Server { get; set; }
    [Id(1)] public string? AccountUrl { get; set; }
    [Id(2)] public string? KeyThumbprint { get; set; }
    [Id(3)] public string? Email { get; set; }
}
