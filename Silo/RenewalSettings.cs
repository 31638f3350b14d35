namespace CertFleet.Silo;

/// <summary>When certificates renew (CertFleet:Renewal).</summary>
public sealed class RenewalSettings
{
    /// <summary>
    /// Without ARI, move each renewal earlier by up to this percentage of the certificate's lifetime (fixed per
    /// certificate), so certificates issued together do not renew together. 0 keeps cert-manager's renewalTime.
    /// </summary>
    public double JitterPercent { get; set; }

    /// <summary>The shortest ARI Retry-After obeyed: a CA asking for more frequent checks is checked this often.</summary>
    public TimeSpan AriMinimumRecheck { get; set; } = TimeSpan.FromHours(1);

    public IEnumerable<string> Problems(string section)
    {
        if (JitterPercent is < 0 or > 50 || double.IsNaN(JitterPercent))
            yield return $"{section}:Renewal:JitterPercent must be between 0 and 50 (percent of the certificate's lifetime; got {JitterPercent})";
        if (AriMinimumRecheck <= TimeSpan.Zero || AriMinimumRecheck > TimeSpan.FromDays(7))
            yield return $"{section}:Renewal:AriMinimumRecheck must be a positive time span of at most 7 days, e.g. 01:00:00 (got {AriMinimumRecheck})";
    }
}
