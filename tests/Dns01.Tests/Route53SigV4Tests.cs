using System.Text;
using CertFleet.Providers.Dns01;

namespace CertFleet.Dns01.Tests;

/// <summary>
/// AwsSigV4 against the AWS SigV4 test suite (aws-sig-v4-test-suite: get-vanilla, get-vanilla-query-order-key-case,
/// post-x-www-form-urlencoded) and two Route53-shaped requests whose expected values came from @smithy/signature-v4.
/// </summary>
public sealed class Route53SigV4Tests
{
    private static readonly AwsCredentials SuiteCredentials = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    private static readonly DateTimeOffset SuiteTime = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);

    [Fact]
    public void GetVanilla()
    {
        var authorization = Sign(HttpMethod.Get, "https://example.amazonaws.com/", null, null, SuiteCredentials, "service");
        Assert.Equal("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, "
            + "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", authorization);
    }

    [Fact]
    public void GetVanillaQueryOrderKeyCase()
    {
        var authorization = Sign(HttpMethod.Get, "https://example.amazonaws.com/?Param2=value2&Param1=value1", null, null, SuiteCredentials, "service");
        Assert.EndsWith("SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500", authorization);
    }

    [Fact]
    public void PostXWwwFormUrlencoded()
    {
        var authorization = Sign(HttpMethod.Post, "https://example.amazonaws.com/", "Param1=value1", "application/x-www-form-urlencoded", SuiteCredentials, "service");
        Assert.EndsWith("SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a", authorization);
    }

    [Fact]
    public void Route53PostWithSessionTokenSignsTheToken()
    {
        var credentials = SuiteCredentials with { SessionToken = "session-token/with+chars=" };
        var authorization = Sign(HttpMethod.Post, "https://route53.amazonaws.com/2013-04-01/hostedzone/Z1D633PJN98FT9/rrset/", "<x/>", "text/xml", credentials, "route53");
        Assert.Equal("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/route53/aws4_request, "
            + "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, "
            + "Signature=7a60d71f66aff5b004f918decfb2fe35421be4099e0d112734677b165bb60af3", authorization);
    }

    [Fact]
    public void Route53QueryWithTrailingDotName()
    {
        var authorization = Sign(HttpMethod.Get, "https://route53.amazonaws.com/2013-04-01/hostedzonesbyname?dnsname=_acme-challenge.example.com.", null, null, SuiteCredentials, "route53");
        Assert.EndsWith("Signature=29407148f71547b6942b8f2e245f0a607daadc425f4eba44bb34283ee691b238", authorization);
    }

    private static string Sign(HttpMethod method, string uri, string? body, string? contentType, AwsCredentials credentials, string service)
    {
        using var request = new HttpRequestMessage(method, uri);
        var bytes = body is null ? [] : Encoding.UTF8.GetBytes(body);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(bytes);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        AwsSigV4.Sign(request, bytes, credentials, "us-east-1", service, SuiteTime);
        Assert.Equal("20150830T123600Z", request.Headers.GetValues("X-Amz-Date").Single());
        return request.Headers.GetValues("Authorization").Single();
    }
}
