using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Pki;

namespace CertFleet.Grains.Policies;

/// <summary>Everything the Certificate policies look at, read once per reconcile.</summary>
public sealed record PolicyInput
{
    public required string CertificateName { get; init; }
    public required CertificateSpec Spec { get; init; }
    /// <summary>The target Secret, or null when it does not exist.</summary>
    public SecretData? Secret { get; init; }
    public CertificateInfo? Certificate { get; init; }
    public string? CertificateError { get; init; }
    public PrivateKey? Key { get; init; }
    public string? KeyError { get; init; }
    /// <summary>What the spec asks for now.</summary>
    public required IssuedFor Wanted { get; init; }
    /// <summary>What the current certificate was issued for, when this controller remembers it.</summary>
    public IssuedFor? IssuedFor { get; init; }
    public required DateTimeOffset Now { get; init; }

    /// <summary>CertFleet:Renewal:JitterPercent; 0 keeps cert-manager's renewal time exactly.</summary>
    public double RenewalJitterPercent { get; init; }
    /// <summary>The CA's ARI suggestion, applied only when it is about the certificate in the Secret.</summary>
    public RenewalSuggestion? RenewalInfo { get; init; }

    /// <summary>renewalTime of the certificate in the Secret, or null when there is none to renew.</summary>
    public DateTimeOffset? RenewalTime => Certificate is { } c
        ? RenewalPlan.At(CertificateName, c, Spec, RenewalJitterPercent, RenewalInfo, Now)
        : null;
}

/// <summary>Why a check failed: the condition reason and message, exactly as cert-manager words them.</summary>
public sealed record PolicyViolation(string Reason, string Message);
