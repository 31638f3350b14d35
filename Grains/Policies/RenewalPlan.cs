using CertFleet.Grains.Issuance;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Providers.Pki;

namespace CertFleet.Grains.Policies;

/// <summary>
/// When a certificate is renewed: the time chosen inside the CA's ARI window when there is one for this very
/// certificate (as cert-manager's ACMEUseARI does, it takes precedence over renewBefore); otherwise cert-manager's
/// renewal time, moved earlier by the configured jitter, then into spec.renewal.windows (<see cref="RenewalWindows"/>).
/// </summary>
public static class RenewalPlan
{
    /// <param name="now">When the plan is made: a renewal window missed before it moves the time to the next window.</param>
    public static DateTimeOffset At(
        string certificateName, CertificateInfo certificate, CertificateSpec spec, double jitterPercent, RenewalSuggestion? suggestion, DateTimeOffset now)
    {
        if (suggestion is { RenewalTime: { } suggested } && suggestion.SerialHex == certificate.SerialHex)
            return suggested;
        var standard = RenewalSchedule.Compute(certificate.NotBefore, certificate.NotAfter,
            CertificateSpecValidation.RenewBefore(spec), spec.RenewBeforePercentage);
        var jittered = RenewalJitter.Apply(standard, certificate.NotBefore, certificate.NotAfter, jitterPercent, $"{certificateName}/{certificate.SerialHex}");
        return spec.Renewal?.Windows is { Count: > 0 } windows
            ? RenewalWindows.Place(RenewalWindows.Parse(windows), certificate.NotBefore, certificate.NotAfter, jittered, now)
            : jittered;
    }

    /// <summary>A point in [start, end), in whole seconds, at the seed's fixed fraction of the window (RFC 9773 §4.2: uniformly random).</summary>
    public static DateTimeOffset InsideWindow(DateTimeOffset start, DateTimeOffset end, string seed)
    {
        var at = (start + (end - start) * StableFraction.Of(seed)).ToWholeSeconds();
        return at < start ? start : at;
    }
}
