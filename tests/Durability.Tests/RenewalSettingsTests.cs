using CertFleet.Grains;

namespace CertFleet.Durability.Tests;

/// <summary>CertFleet:Renewal values a silo refuses at start, each with a message naming the key.</summary>
public sealed class RenewalSettingsTests
{
    [Theory]
    [InlineData(-1.0)]
    [InlineData(50.5)]
    [InlineData(double.NaN)]
    public void A_jitter_outside_0_to_50_percent_is_refused(double percent)
    {
        var problem = Assert.Single(Problems(new IssuanceOptions { RenewalJitterPercent = percent }));
        Assert.StartsWith("CertFleet:Renewal:JitterPercent must be between 0 and 50", problem);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(8 * 24 * 3600)]
    public void An_ARI_minimum_recheck_that_is_not_positive_or_above_seven_days_is_refused(int seconds)
    {
        var problem = Assert.Single(Problems(new IssuanceOptions { AriMinimumRecheck = TimeSpan.FromSeconds(seconds) }));
        Assert.StartsWith("CertFleet:Renewal:AriMinimumRecheck must be a positive time span of at most 7 days", problem);
    }

    [Theory]
    [InlineData(0.0, 3600)]
    [InlineData(2.5, 2)]
    [InlineData(50.0, 7 * 24 * 3600)]
    public void Sensible_values_are_accepted(double percent, int seconds) =>
        Assert.Empty(Problems(new IssuanceOptions { RenewalJitterPercent = percent, AriMinimumRecheck = TimeSpan.FromSeconds(seconds) }));

    [Theory]
    [InlineData("0s", "32h", "CertFleet:CertificateRequestMinimumBackoffDuration must be a positive Go duration, e.g. 1h or 30m (got \"0s\")")]
    [InlineData("1 hour", "32h", "CertFleet:CertificateRequestMinimumBackoffDuration must be a positive Go duration, e.g. 1h or 30m (got \"1 hour\")")]
    [InlineData("1h", "-2h", "CertFleet:CertificateRequestMaximumBackoffDuration must be a positive Go duration, e.g. 32h or 8h (got \"-2h\")")]
    [InlineData("1h", "01:00:00", "CertFleet:CertificateRequestMaximumBackoffDuration must be a positive Go duration, e.g. 32h or 8h (got \"01:00:00\")")]
    [InlineData("2h", "1h",
        "CertFleet:CertificateRequestMaximumBackoffDuration (1h) must not be shorter than CertificateRequestMinimumBackoffDuration (2h)")]
    public void A_failure_backoff_that_is_no_positive_Go_duration_or_ends_below_its_start_is_refused(string minimum, string maximum, string expected) =>
        Assert.Equal(expected, Assert.Single(Problems(new IssuanceOptions
        {
            CertificateRequestMinimumBackoffDuration = minimum, CertificateRequestMaximumBackoffDuration = maximum,
        })));

    [Theory]
    [InlineData("1h", "32h", 3600, 32 * 3600)]
    [InlineData("1m", "10m", 60, 600)]
    [InlineData("30m", "30m", 1800, 1800)]
    public void The_failure_backoff_is_built_from_the_two_durations(string minimum, string maximum, int minimumSeconds, int maximumSeconds)
    {
        var settings = new IssuanceOptions { CertificateRequestMinimumBackoffDuration = minimum, CertificateRequestMaximumBackoffDuration = maximum };
        Assert.Empty(Problems(settings));
        Assert.Equal((TimeSpan.FromSeconds(minimumSeconds), TimeSpan.FromSeconds(maximumSeconds)), (settings.FailureBackoff.Minimum, settings.FailureBackoff.Maximum));
    }

    private static List<string> Problems(IssuanceOptions settings) => [.. settings.Problems("CertFleet")];
}
