namespace CertFleet.Providers.Tests;

/// <summary>The one backoff rule as tables: each user's values, attempt in, delay out.</summary>
public sealed class ExponentialBackoffTests
{
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);
    private static TimeSpan S(double s) => TimeSpan.FromSeconds(s);

    /// <summary>first, cap, factor; then (attempt, expected delay) pairs.</summary>
    public static TheoryData<string, TimeSpan, TimeSpan, double, (int Attempt, TimeSpan Delay)[]> Tables => new()
    {
        {
            "Order and Challenge polls: 200 ms doubling to 10 s", Ms(200), S(10), 2,
            [(0, Ms(200)), (1, Ms(200)), (2, Ms(400)), (3, Ms(800)), (4, Ms(1600)), (5, Ms(3200)), (6, Ms(6400)), (7, S(10)), (8, S(10)),
             (int.MaxValue, S(10))]
        },
        {
            "cert-manager's issuance backoff: 1 h doubling to 32 h", TimeSpan.FromHours(1), TimeSpan.FromHours(32), 2,
            [(1, TimeSpan.FromHours(1)), (2, TimeSpan.FromHours(2)), (3, TimeSpan.FromHours(4)), (4, TimeSpan.FromHours(8)),
             (5, TimeSpan.FromHours(16)), (6, TimeSpan.FromHours(32)), (7, TimeSpan.FromHours(32)), (100, TimeSpan.FromHours(32))]
        },
        {
            "Certificate reconcile retries: 1 s doubling to 5 min", S(1), TimeSpan.FromMinutes(5), 2,
            [(1, S(1)), (2, S(2)), (5, S(16)), (9, S(256)), (10, S(300)), (1000, S(300))]
        },
        {
            "Issuer rechecks: 1 min doubling to 10 min", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10), 2,
            [(1, TimeSpan.FromMinutes(1)), (2, TimeSpan.FromMinutes(2)), (4, TimeSpan.FromMinutes(8)), (5, TimeSpan.FromMinutes(10))]
        },
        { "another factor: 1 s tripling to 1 min", S(1), TimeSpan.FromMinutes(1), 3, [(1, S(1)), (2, S(3)), (3, S(9)), (4, S(27)), (5, S(60))] },
        { "factor 1: a constant delay", S(5), S(5), 1, [(1, S(5)), (50, S(5))] },
    };

    [Theory]
    [MemberData(nameof(Tables))]
    public void DelaysGrowByTheFactorFromTheFirstUpToTheCap(string rule, TimeSpan first, TimeSpan cap, double factor, (int Attempt, TimeSpan Delay)[] table)
    {
        var backoff = new ExponentialBackoff(first, cap, factor);
        foreach (var (attempt, delay) in table)
            Assert.True(delay == backoff.Delay(attempt), $"{rule}: attempt {attempt} gave {backoff.Delay(attempt)}, expected {delay}");
    }

    /// <summary>A random source that always draws the same number.</summary>
    private sealed class Draw(double value) : Random
    {
        public override double NextDouble() => value;
    }

    [Theory]
    [InlineData(0.5, 0.0, 1600)] // the draw takes nothing off
    [InlineData(0.5, 0.5, 1200)]
    [InlineData(0.5, 1.0, 800)] // at most half off: the upper half of the step
    [InlineData(0.1, 1.0, 1440)]
    [InlineData(1.0, 1.0, 0)]
    public void JitterTakesTheDrawnPartOfItsShareOffTheStep(double jitter, double draw, double expectedMs)
    {
        var backoff = new ExponentialBackoff(Ms(200), S(30), jitter: jitter);
        Assert.Equal(Ms(expectedMs), backoff.Delay(4, new Draw(draw)));
    }

    [Fact]
    public void JitteredDelaysSpreadOverTheUpperPartOfTheStep()
    {
        var backoff = new ExponentialBackoff(Ms(200), S(30), jitter: 0.5);
        var delays = Enumerable.Range(0, 1000).Select(_ => backoff.Delay(20)).ToList(); // capped: step 30 s
        Assert.All(delays, d => Assert.InRange(d, S(15), S(30)));
        Assert.True(delays.Distinct().Count() > 100, "the delays are spread, not all alike");
        Assert.True(delays.Min() < S(20) && delays.Max() > S(25), $"spread from {delays.Min()} to {delays.Max()}");
    }

    public static TheoryData<string, Func<ExponentialBackoff>> Refused => new()
    {
        { "a first delay of zero", () => new ExponentialBackoff(TimeSpan.Zero, S(1)) },
        { "a negative first delay", () => new ExponentialBackoff(S(-1), S(1)) },
        { "a cap below the first delay", () => new ExponentialBackoff(S(2), S(1)) },
        { "a factor below 1", () => new ExponentialBackoff(S(1), S(10), factor: 0.5) },
        { "a negative jitter", () => new ExponentialBackoff(S(1), S(10), jitter: -0.1) },
        { "a jitter above 1", () => new ExponentialBackoff(S(1), S(10), jitter: 1.5) },
        { "a jitter that is not a number", () => new ExponentialBackoff(S(1), S(10), jitter: double.NaN) },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void ValuesThatMakeNoBackoffAreRefused(string what, Func<ExponentialBackoff> create)
    {
        var refusal = Assert.ThrowsAny<ArgumentOutOfRangeException>(create);
        Assert.False(string.IsNullOrEmpty(refusal.ParamName), what);
    }
}
