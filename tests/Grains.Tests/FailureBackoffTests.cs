using CertFleet.Grains.Certificates;
using CertFleet.Grains.Issuance;
using CertFleet.Grains.Policies;
using CertFleet.Grains.Tests.Certificates;
using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains.Tests;

/// <summary>The failure backoff as a table: configured minimum and maximum, and the bound by the validity left.</summary>
public sealed class FailureBackoffTests
{
    [Theory]
    // attempts, validity left (h, -1 = none or expired), minimum, maximum -> delay
    [InlineData(1, -1, "1h", "32h", "01:00:00")]
    [InlineData(6, -1, "1h", "32h", "1.08:00:00")]
    [InlineData(9, -1, "1h", "32h", "1.08:00:00")]
    [InlineData(6, 1000, "1h", "32h", "1.08:00:00")] // plenty left: cert-manager's delay
    [InlineData(6, 53, "1h", "32h", "13:15:00")] // a 6-day certificate renewing at ~107 h: a quarter of the 53 h left
    [InlineData(2, 53, "1h", "32h", "02:00:00")] // the doubling is shorter than the bound
    [InlineData(4, 2, "1h", "32h", "00:30:00")]
    [InlineData(4, 0.1, "1h", "32h", "00:05:00")] // near expiry: never a hot loop
    [InlineData(4, 0.1, "1m", "32h", "00:01:30")] // ... nor below a shorter configured minimum's floor
    [InlineData(1, 0.1, "1m", "32h", "00:01:00")]
    [InlineData(3, -1, "10m", "8h", "00:40:00")] // configured as cert-manager 1.21's flags
    [InlineData(8, -1, "10m", "8h", "08:00:00")]
    [InlineData(8, 20, "10m", "8h", "05:00:00")]
    [InlineData(0, 20, "10m", "8h", "00:00:00")]
    public void Delay(int attempts, double hoursLeft, string minimum, string maximum, string expected)
    {
        var backoff = new IssuanceBackoff(Providers.Pki.GoDuration.Parse(minimum), Providers.Pki.GoDuration.Parse(maximum));
        TimeSpan? left = hoursLeft < 0 ? null : TimeSpan.FromHours(hoursLeft);
        Assert.Equal(TimeSpan.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), backoff.Delay(attempts, left));
    }

    [Fact]
    public void AnExpiredCertificateBacksOffAsCertManagerDoes() =>
        Assert.Equal(TimeSpan.FromHours(32), IssuanceBackoff.Default.Delay(7, TimeSpan.FromHours(-3)));

    [Fact]
    public void AShortLivedCertificateFailingFromItsRenewalOnIsRetriedUntilItExpires()
    {
        // Let's Encrypt's 160 h shortlived profile renews at 2/3 of its lifetime; every attempt fails.
        var notBefore = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var notAfter = notBefore + TimeSpan.FromHours(160);
        var at = notBefore + TimeSpan.FromHours(160.0 * 2 / 3);
        var attempts = 0;
        var retriesWhileValid = 0;
        while (at < notAfter)
        {
            attempts++;
            var next = IssuanceBackoff.Default.RetryAt(attempts, at, notAfter)!.Value;
            var quarterLeft = (notAfter - at) * 0.25;
            Assert.True(next - at <= (quarterLeft > TimeSpan.FromMinutes(5) ? quarterLeft : TimeSpan.FromMinutes(5)), $"waited {next - at} with {notAfter - at} left");
            if (next < notAfter)
                retriesWhileValid++;
            at = next;
        }
        // cert-manager's 1,2,4,8,16,32 h would leave the certificate expired 21 h into the sixth wait.
        Assert.True(retriesWhileValid >= 10, $"only {retriesWhileValid} retries before expiry");
        Assert.True(at - notAfter <= TimeSpan.FromMinutes(5), $"the last retry came {at - notAfter} after expiry");
    }

    [Fact]
    public async Task TheTriggerBacksOffByTheConfiguredBackoffBoundByTheSecretsValidity()
    {
        using var world = new StepWorld { Backoff = new IssuanceBackoff(TimeSpan.FromMinutes(10), TimeSpan.FromHours(8)) };
        var secret = world.IssuedSecret(TimeSpan.FromMinutes(90)); // from an hour before Start: 30 m left, renewal due at Start
        using var inspection = SecretInspection.Of(secret);
        world.State.IssuedFor = IssuedForBuilder.From(world.State.Object!.Spec);
        world.State.RenewalInfo = new RenewalSuggestion { SerialHex = inspection.Certificate!.SerialHex };
        world.State.FailedIssuanceAttempts = 5; // 10 m·2^4 = 160 m, but a quarter of the 30 m left is 7.5 m
        world.State.LastFailureTime = StepWorld.Start;
        world.State.FailedFor = world.State.IssuedFor;
        world.Clock.Advance(TimeSpan.FromMinutes(1));

        var decision = await TriggerStep.DecideAsync(world.Pass(), inspection, IssuedForBuilder.From(world.State.Object!.Spec));

        Assert.Equal(StepWorld.Start + TimeSpan.FromMinutes(7.5), Assert.IsType<TriggerDecision.BackOff>(decision).RetryAt);
        world.Clock.Advance(TimeSpan.FromMinutes(7));
        Assert.IsType<TriggerDecision.Issue>(await TriggerStep.DecideAsync(world.Pass(), inspection, IssuedForBuilder.From(world.State.Object!.Spec)));
    }
}
