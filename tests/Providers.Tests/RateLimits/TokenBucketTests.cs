using CertFleet.Providers.RateLimits;

namespace CertFleet.Providers.Tests.RateLimits;

public sealed class TokenBucketTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly BucketLimit FivePerWeek = new(5, TimeSpan.FromDays(7));

    [Fact]
    public void AFullBucketGivesItsCapacityThenSaysWhenTheNextTokenComes()
    {
        var bucket = TokenBucket.Full(FivePerWeek, T0);
        for (var i = 0; i < 5; i++)
            Assert.True(bucket.TryTake(FivePerWeek, T0, out bucket));
        Assert.False(bucket.TryTake(FivePerWeek, T0, out bucket));
        Assert.Equal(0, bucket.Remaining(FivePerWeek, T0));
        Assert.Equal(T0 + TimeSpan.FromHours(33.6), bucket.AvailableAt(FivePerWeek, T0));
    }

    [Fact]
    public void TokensRefillContinuouslyAndNeverBeyondCapacity()
    {
        var bucket = new TokenBucket(0, T0);
        Assert.Equal(0, bucket.Remaining(FivePerWeek, T0 + TimeSpan.FromHours(33)));
        Assert.Equal(1, bucket.Remaining(FivePerWeek, T0 + TimeSpan.FromHours(33.6)));
        Assert.Equal(2, bucket.Remaining(FivePerWeek, T0 + TimeSpan.FromHours(70)));
        Assert.Equal(5, bucket.Remaining(FivePerWeek, T0 + TimeSpan.FromDays(30)));
        Assert.True(bucket.TryTake(FivePerWeek, T0 + TimeSpan.FromHours(33.6), out var after));
        Assert.Equal(0, after.Remaining(FivePerWeek, T0 + TimeSpan.FromHours(33.6)));
    }

    [Fact]
    public void ConsumeAndRefundStayWithinZeroAndCapacity()
    {
        var empty = new TokenBucket(0, T0);
        Assert.Equal(0, empty.Consume(FivePerWeek, T0).Tokens);
        var full = TokenBucket.Full(FivePerWeek, T0);
        Assert.Equal(5, full.Refund(FivePerWeek, T0).Tokens);
        Assert.Equal(4, full.Consume(FivePerWeek, T0).Tokens);
        Assert.Equal(1, empty.Refund(FivePerWeek, T0).Tokens);
    }

    [Fact]
    public void LetsEncryptLimitsAreTheDocumentedNumbers()
    {
        Assert.Equal(TimeSpan.FromMinutes(201.6), AcmeRateLimits.LetsEncrypt.CertificatesPerRegisteredDomain!.RefillInterval);
        Assert.Equal(TimeSpan.FromSeconds(36), AcmeRateLimits.LetsEncrypt.OrdersPerAccount!.RefillInterval);
        Assert.Equal(TimeSpan.FromMinutes(12), AcmeRateLimits.LetsEncrypt.AuthorizationFailuresPerIdentifier!.RefillInterval);
        Assert.Null(AcmeRateLimits.KnownFor("acme-staging-v02.api.letsencrypt.org").CertificatesPerRegisteredDomain);
        Assert.Same(AcmeRateLimits.None, AcmeRateLimits.KnownFor("pebble:14000"));
    }
}
