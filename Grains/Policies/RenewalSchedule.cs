using CertFleet.Grains.Issuance;

namespace CertFleet.Grains.Policies;

/// <summary>cert-manager's renewal time: notAfter minus renewBefore, truncated to whole seconds.</summary>
public static class RenewalSchedule
{
    /// <param name="renewBefore">spec.renewBefore, used when 0 &lt; renewBefore &lt; the issued lifetime.</param>
    /// <param name="renewBeforePercentage">spec.renewBeforePercentage, used when renewBefore does not apply.</param>
    public static DateTimeOffset Compute(DateTimeOffset notBefore, DateTimeOffset notAfter, TimeSpan? renewBefore, int? renewBeforePercentage)
    {
        var lifetime = notAfter - notBefore;
        TimeSpan before;
        if (renewBefore is { } rb && rb > TimeSpan.Zero && rb < lifetime)
            before = rb;
        else if (renewBeforePercentage is > 0 and < 100 and var pct)
            before = lifetime * pct / 100;
        else
            before = lifetime / 3;
        return (notAfter - before).ToWholeSeconds();
    }
}
