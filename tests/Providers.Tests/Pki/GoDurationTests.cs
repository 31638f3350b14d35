using CertFleet.Providers.Pki;

namespace CertFleet.Providers.Tests.Pki;

public class GoDurationTests
{
    [Theory]
    [InlineData("2160h", 2160 * 3600.0)]
    [InlineData("1h30m", 5400.0)]
    [InlineData("90m0s", 5400.0)]
    [InlineData("1.5h", 5400.0)]
    [InlineData("1h2m3.5s", 3723.5)]
    [InlineData(".5s", 0.5)]
    [InlineData("1.s", 1.0)]
    [InlineData("300ms", 0.3)]
    [InlineData("1us", 0.000001)]
    [InlineData("1µs", 0.000001)]
    [InlineData("1μs", 0.000001)]
    [InlineData("1500ns", 0.0000015)]
    [InlineData("0", 0.0)]
    [InlineData("+5m", 300.0)]
    [InlineData("-1h", -3600.0)]
    [InlineData("1h1h", 7200.0)]
    public void Parse_accepts_Go_syntax(string text, double seconds)
    {
        Assert.Equal(TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond)), GoDuration.Parse(text));
    }

    [Theory]
    [InlineData("", "it is empty")]
    [InlineData("1", "a number has no unit")]
    [InlineData("1d", "unknown unit \"d\"")]
    [InlineData("h", "expected a number")]
    [InlineData(".", "a '.' has no digits")]
    [InlineData(".h", "a '.' has no digits")]
    [InlineData("-", "it has a sign and nothing else")]
    [InlineData("1.5", "a number has no unit")]
    [InlineData("1h 30m", "unknown unit \"h \"")]
    [InlineData("--1h", "expected a number")]
    [InlineData("9999999999999999999h", "a number is too large")]
    [InlineData("3000000h", "it overflows")]
    public void Parse_explains_what_is_not_a_Go_duration(string text, string reason)
    {
        var error = Assert.Throws<PkiException>(() => GoDuration.Parse(text));

        Assert.Contains(reason, error.Message);
        Assert.StartsWith($"\"{text}\" is not a Go duration", error.Message);
        Assert.False(GoDuration.TryParse(text, out _));
    }

    [Fact]
    public void TryParse_of_null_is_false()
    {
        Assert.False(GoDuration.TryParse(null, out var duration));
        Assert.Equal(TimeSpan.Zero, duration);
    }

    [Theory]
    [InlineData(2160 * 3600.0, "2160h0m0s")]
    [InlineData(5400.0, "1h30m0s")]
    [InlineData(60.0, "1m0s")]
    [InlineData(45.0, "45s")]
    [InlineData(1.5, "1.5s")]
    [InlineData(3723.25, "1h2m3.25s")]
    [InlineData(0.0015, "1.5ms")]
    [InlineData(0.000001, "1µs")]
    [InlineData(0.0000001, "100ns")]
    [InlineData(0.0, "0s")]
    [InlineData(-3600.0, "-1h0m0s")]
    public void Format_writes_what_Go_writes(double seconds, string text)
    {
        var duration = TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));

        Assert.Equal(text, GoDuration.Format(duration));
        Assert.Equal(duration, GoDuration.Parse(text));
    }
}
