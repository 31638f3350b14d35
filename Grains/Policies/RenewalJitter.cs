using CertFleet.Grains.Issuance;

namespace CertFleet.Grains.Policies;

/// <summary>
/// Spreads a fleet's renewals (CertFleet:Renewal:JitterPercent): moves cert-manager's renewal time earlier by up to
/// that percentage of the certificate's lifetime, by a fraction fixed per certificate. Never later, never before notBefore.
/// </summary>
public static class RenewalJitter
{
    public static DateTimeOffset Apply(DateTimeOffset renewalTime, DateTimeOffset notBefore, DateTimeOffset notAfter, double percent, string seed)
    {
        if (percent <= 0)
            return renewalTime;
        var most = (notAfter - notBefore) * (Math.Min(percent, 100) / 100);
        var earlier = (renewalTime - most * StableFraction.Of(seed)).ToWholeSeconds();
        return earlier < notBefore ? notBefore : earlier;
    }
}
