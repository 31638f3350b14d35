using System.Net.Http.Headers;
using CertFleet.Providers.Acme;

namespace CertFleet.Providers.Tests.Acme;

public class RetryAfterHeaderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Min = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Max = TimeSpan.FromHours(1);

    [Fact]
    public void Delta_seconds_are_read()
    {
        Assert.Equal(TimeSpan.FromSeconds(120), RetryAfterHeader.Parse(Headers("120"), Now, Min, Max));
    }

    [Fact]
    public void An_HTTP_date_is_measured_from_now()
    {
        Assert.Equal(TimeSpan.FromMinutes(5), RetryAfterHeader.Parse(Headers("Sun, 01 Nov 2026 12:05:00 GMT"), Now, Min, Max));
    }

    [Theory]
    [InlineData("86400", 3600)]
    [InlineData("0", 1)]
    [InlineData("Sun, 01 Nov 2026 11:00:00 GMT", 1)]
    [InlineData("Mon, 02 Nov 2026 12:00:00 GMT", 3600)]
    public void Values_are_clamped(string value, int expectedSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), RetryAfterHeader.Parse(Headers(value), Now, Min, Max));
    }

    [Fact]
    public void An_absent_header_gives_null()
    {
        Assert.Null(RetryAfterHeader.Parse(Headers(null), Now, Min, Max));
    }

    [Fact]
    public void An_unparseable_header_gives_null()
    {
        Assert.Null(RetryAfterHeader.Parse(Headers("soon"), Now, Min, Max));
    }

    private static HttpResponseHeaders Headers(string? retryAfter)
    {
        var response = new HttpResponseMessage();
        if (retryAfter is not null)
        {
            response.Headers.TryAddWithoutValidation("Retry-After", retryAfter);
        }
        return response.Headers;
    }
}
