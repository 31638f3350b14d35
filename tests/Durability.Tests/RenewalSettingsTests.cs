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

    private static List<string> Problems(IssuanceOptions settings) => [.. settings.Problems("CertFleet")];
}
