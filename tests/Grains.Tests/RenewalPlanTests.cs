using CertFleet.Grains.Issuance;
using CertFleet.Grains.Policies;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Providers.Pki;

namespace CertFleet.Grains.Tests;

/// <summary>When a certificate renews: inside the ARI window, else cert-manager's time moved earlier by the jitter.</summary>
public sealed class RenewalPlanTests
{
    private static readonly DateTimeOffset NotBefore = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset NotAfter = NotBefore + TimeSpan.FromDays(90);
    private static readonly DateTimeOffset CertManagerTime = NotAfter - TimeSpan.FromDays(30);

    [Fact]
    public void Renewal_times_inside_a_window_stay_inside_it_and_spread_across_it()
    {
        var start = new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var end = start + TimeSpan.FromDays(2);

        var picks = Enumerable.Range(0, 400).Select(i => RenewalPlan.InsideWindow(start, end, $"c/ns/web-{i}/certid")).ToList();

        Assert.All(picks, at => Assert.InRange(at, start, end));
        Assert.All(picks, at => Assert.Equal(0, at.Ticks % TimeSpan.TicksPerSecond));
        // uniform-ish: each half of the window gets a fair share, and certificates do not share one second
        Assert.InRange(picks.Count(at => at < start + TimeSpan.FromDays(1)), 150, 250);
        Assert.True(picks.Distinct().Count() > 390);
    }

    [Fact]
    public void The_pick_is_the_same_every_time_for_one_certificate_and_window()
    {
        var start = new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var end = start + TimeSpan.FromDays(2);

        Assert.Equal(RenewalPlan.InsideWindow(start, end, "c/ns/web/a.b"), RenewalPlan.InsideWindow(start, end, "c/ns/web/a.b"));
        Assert.NotEqual(RenewalPlan.InsideWindow(start, end, "c/ns/web/a.b"), RenewalPlan.InsideWindow(start, end, "c/ns/web/a.c"));
    }

    [Fact]
    public void A_window_moved_earlier_moves_the_renewal_time_into_the_new_window()
    {
        var start = new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var revoked = start - TimeSpan.FromDays(20);

        var moved = RenewalPlan.InsideWindow(revoked, revoked + TimeSpan.FromHours(1), "c/ns/web/a.b");

        Assert.InRange(moved, revoked, revoked + TimeSpan.FromHours(1));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(5.0)]
    [InlineData(50.0)]
    public void Jitter_only_moves_earlier_by_at_most_the_percentage_of_the_lifetime(double percent)
    {
        var most = (NotAfter - NotBefore) * (percent / 100);
        var times = Enumerable.Range(0, 200).Select(i => RenewalJitter.Apply(CertManagerTime, NotBefore, NotAfter, percent, $"web-{i}/01")).ToList();

        Assert.All(times, at => Assert.InRange(at, CertManagerTime - most - TimeSpan.FromSeconds(1), CertManagerTime));
        if (percent == 0)
            Assert.All(times, at => Assert.Equal(CertManagerTime, at));
        else
            Assert.True(times.Distinct().Count() > 190, "a fleet is spread, not moved as one");
    }

    [Fact]
    public void Jitter_is_deterministic_per_certificate_and_never_before_notBefore()
    {
        Assert.Equal(RenewalJitter.Apply(CertManagerTime, NotBefore, NotAfter, 10, "web/01"), RenewalJitter.Apply(CertManagerTime, NotBefore, NotAfter, 10, "web/01"));
        var early = NotBefore + TimeSpan.FromHours(1);
        Assert.All(Enumerable.Range(0, 50), i => Assert.True(RenewalJitter.Apply(early, NotBefore, NotAfter, 50, $"w{i}") >= NotBefore));
    }

    [Fact]
    public void The_ARI_time_wins_for_its_own_certificate_only()
    {
        var certificate = Issued();
        var spec = new CertificateSpec { SecretName = "web-tls", IssuerRef = new IssuerRef { Name = "le" }, DnsNames = ["web.example.test"] };
        var ari = certificate.NotBefore + TimeSpan.FromDays(3);
        var standard = RenewalSchedule.Compute(certificate.NotBefore, certificate.NotAfter, null, null);

        Assert.Equal(ari, RenewalPlan.At("web", certificate, spec, 0, new RenewalSuggestion { SerialHex = certificate.SerialHex, CertId = "a.b", RenewalTime = ari }, NotBefore));
        Assert.Equal(standard, RenewalPlan.At("web", certificate, spec, 0, new RenewalSuggestion { SerialHex = "00FF", CertId = "a.b", RenewalTime = ari }, NotBefore));
        Assert.Equal(standard, RenewalPlan.At("web", certificate, spec, 0, new RenewalSuggestion { SerialHex = certificate.SerialHex }, NotBefore));
        Assert.Equal(standard, RenewalPlan.At("web", certificate, spec, 0, null, NotBefore));
        Assert.True(RenewalPlan.At("web", certificate, spec, 5, null, NotBefore) < standard);
    }

    /// <summary>
    /// spec.renewal.windows: renewBefore's time (here Thursday 2026-12-31 00:00Z, a third of 90 days before expiry)
    /// when it is inside a window, else the next window's start; a window missed moves it to the one after, unless that
    /// opens only after expiry.
    /// </summary>
    [Theory]
    [InlineData("the renewal time is a window's start", "0 * * * *", "30m", null, null, null, "2026-12-31T00:00:00Z")]
    [InlineData("inside a window opened the evening before", "0 22 * * 3", "4h", null, null, null, "2026-12-31T00:00:00Z")]
    [InlineData("outside every window: the next one, Saturday 02:00", "0 2 * * 6", "4h", null, null, null, "2027-01-02T02:00:00Z")]
    [InlineData("the cron read in the window's time zone", "0 2 * * 6", "4h", "America/New_York", null, null, "2027-01-02T07:00:00Z")]
    [InlineData("of two windows the first to open", "0 2 * * 6", "4h", null, "0 3 * * 5", null, "2027-01-01T03:00:00Z")]
    [InlineData("a window missed: the next one", "0 2 * * 6", "4h", null, null, "2027-01-02T06:30:00Z", "2027-01-09T02:00:00Z")]
    [InlineData("still inside the window when the pass runs late", "0 2 * * 6", "4h", null, null, "2027-01-02T05:59:00Z", "2027-01-02T02:00:00Z")]
    [InlineData("a window missed and the next opens after expiry: at once", "0 2 1 1 *", "1h", null, null, "2027-01-01T04:00:00Z", "2027-01-01T02:00:00Z")]
    [InlineData("no window opens before expiry: renewBefore's time", "0 0 1 6 *", "1h", null, null, null, "2026-12-31T00:00:00Z")]
    public void Renewal_windows_place_the_renewal_inside_a_window(
        string description, string cron, string duration, string? timezone, string? secondCron, string? now, string expected)
    {
        var certificate = Issued();
        List<RenewalWindow> windows = [new RenewalWindow { Cron = cron, WindowDuration = duration, Timezone = timezone }];
        if (secondCron is not null)
            windows.Add(new RenewalWindow { Cron = secondCron, WindowDuration = duration });
        var spec = new CertificateSpec { Renewal = new CertificateRenewal { Windows = windows } };
        Assert.DoesNotContain(CertificateSpecValidation.Validate(spec), error => error.StartsWith("spec.renewal", StringComparison.Ordinal));

        var at = RenewalPlan.At("web", certificate, spec, 0, null, now is null ? NotBefore : DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture));

        Assert.True(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture) == at, $"{description}: {at:O}");
    }

    [Theory]
    [InlineData("0 2 * *", "4h", null, "spec.renewal.windows[0].cron: Invalid value: \"0 2 * *\"")]
    [InlineData("not cron", "4h", null, "spec.renewal.windows[0].cron: Invalid value: \"not cron\"")]
    [InlineData("0 2 * * 6", "4h", "Mars/Olympus_Mons", "spec.renewal.windows[0].timezone: Invalid value: \"Mars/Olympus_Mons\": not an IANA time zone")]
    [InlineData("0 2 * * 6", "0s", null, "spec.renewal.windows[0].windowDuration: Invalid value: \"0s\": a positive duration")]
    [InlineData("0 2 * * 6", "", null, "spec.renewal.windows[0].windowDuration: Invalid value: \"\": a positive duration")]
    [InlineData("0 2 * * 6", "four hours", null, "spec.renewal.windows[0].windowDuration: Invalid value: \"four hours\"")]
    public void A_renewal_window_that_cannot_be_read_is_refused_naming_the_field(string cron, string duration, string? timezone, string message)
    {
        var spec = new CertificateSpec
        {
            SecretName = "web-tls",
            IssuerRef = new IssuerRef { Name = "ca" },
            DnsNames = ["web.example.test"],
            Renewal = new CertificateRenewal { Windows = [new RenewalWindow { Cron = cron, WindowDuration = duration, Timezone = timezone }] },
        };

        var error = Assert.Single(CertificateSpecValidation.Validate(spec));

        Assert.StartsWith(message, error);
    }

    private static CertificateInfo Issued()
    {
        using var key = PrivateKey.Generate(KeySpec.FromCertificateSpec("ECDSA", 256, null));
        var template = new CertificateTemplate { CommonName = "web.example.test", DnsNames = ["web.example.test"], Duration = TimeSpan.FromDays(90) };
        var csr = CsrBuilder.Parse(CsrBuilder.BuildPem(template, key));
        return CertificateInfo.ParseFirst(CertificateSigner.SelfSign(new SigningRequest(csr, TimeSpan.FromDays(90), false, []), key, NotBefore).ChainPem);
    }
}
