using CertFleet.Grains.Issuance;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Providers.Pki;

namespace CertFleet.Grains.Policies;

/// <summary>
/// When a certificate is renewed: the time chosen inside the CA's ARI window when there is one for this very
/// certificate (as cert-manager's ACMEUseARI does, it takes precedence over renewBefore); otherwise cert-manager's
/// renewal time, moved earlier by the configured jitter.
/// </summary>
public static class RenewalPlan
{
    public static DateTimeOffset At(string certificateName, CertificateInfo certificate, CertificateSpec spec, double jitterPercent, RenewalSuggestion? suggestion)
    {
        if (suggestion is { RenewalTime: { } suggested } && suggestion.SerialHex == certificate.SerialHex)
            return suggested;
        var standard = RenewalSchedule.Compute(certificate.NotBefore, certificate.NotAfter,
            CertificateSpecValidation.RenewBefore(spec), spec.RenewBeforePercentage);
        return RenewalJitter.Apply(standard, certificate.NotBefore, certificate.NotAfter, jitterPercent, $"{certificateName}/{certificate.SerialHex}");
    }

    /// <summary>A point in [start, end), in whole seconds, at the seed's fixed fraction of the window (RFC 9773 §4.2: uniformly random).</summary>
    public static DateTimeOffset InsideWindow(DateTimeOffset start, DateTimeOffset end, string seed)
    {
        var at = (start + (end - start) * StableFraction.Of(seed)).ToWholeSeconds();
        return at < start ? start : at;
    }
}
