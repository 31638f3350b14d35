using CertFleet.Providers.Caa;

namespace CertFleet.Providers.Tests.Caa;

public sealed class CaaPolicyTests
{
    private static readonly string[] LetsEncrypt = ["letsencrypt.org"];
    private const string Account = "https://acme-v02.api.letsencrypt.org/acme/acct/42";

    private static CaaRecordData Issue(string value, string tag = "issue", byte flags = 0) => new("example.com", flags, tag, value);

    public static TheoryData<string, CaaRecordData[], bool, string, bool> Cases => new()
    {
        { "no records: allowed", [], false, "http-01", true },
        { "only iodef: allowed", [Issue("mailto:sec@example.com", "iodef")], false, "http-01", true },
        { "issue names the CA", [Issue("letsencrypt.org")], false, "http-01", true },
        { "issue names the CA, case-insensitive", [Issue("LetsEncrypt.ORG")], false, "http-01", true },
        { "issue names another CA", [Issue("pki.goog")], false, "http-01", false },
        { "issue records are additive", [Issue("pki.goog"), Issue("letsencrypt.org")], false, "http-01", true },
        { "issue ; forbids everyone", [Issue(";")], false, "http-01", false },
        { "wildcard: issuewild governs alone", [Issue("letsencrypt.org"), Issue("pki.goog", "issuewild")], true, "dns-01", false },
        { "wildcard without issuewild falls back to issue", [Issue("letsencrypt.org")], true, "dns-01", true },
        { "non-wildcard ignores issuewild", [Issue("letsencrypt.org"), Issue(";", "issuewild")], false, "http-01", true },
        { "accounturi must match", [Issue($"letsencrypt.org; accounturi={Account}")], false, "http-01", true },
        { "another accounturi refuses", [Issue("letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/7")], false, "http-01", false },
        { "validationmethods must include the challenge type", [Issue("letsencrypt.org; validationmethods=dns-01")], false, "http-01", false },
        { "validationmethods list", [Issue("letsencrypt.org; validationmethods=tls-alpn-01, http-01")], false, "http-01", true },
        { "unknown critical tag forbids", [Issue("letsencrypt.org"), Issue("x", "tbs", 128)], false, "http-01", false },
        { "unknown non-critical tag is ignored", [Issue("letsencrypt.org"), Issue("x", "tbs")], false, "http-01", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void RelevantRecordsDecide(string rule, CaaRecordData[] records, bool wildcard, string challengeType, bool allowed)
    {
        var refusal = CaaPolicy.Refusal(records, LetsEncrypt, Account, challengeType, wildcard);
        Assert.True(allowed == refusal is null, $"{rule}: {refusal ?? "allowed"}");
    }

    [Fact]
    public void TheRefusalNamesTheRecordAndTheFix()
    {
        var refusal = CaaPolicy.Refusal([Issue("pki.goog")], LetsEncrypt, Account, "http-01", false)!;
        Assert.Contains("example.com CAA 0 issue \"pki.goog\"", refusal);
        Assert.Contains("add an issue record for \"letsencrypt.org\"", refusal);
    }

    [Fact]
    public void WithoutTheCasIdentityOnlyForbidAllIsCertain()
    {
        Assert.NotNull(CaaPolicy.Refusal([Issue(";")], [], null, "http-01", false));
        Assert.Null(CaaPolicy.Refusal([Issue("pki.goog")], [], null, "http-01", false));
    }

    [Fact]
    public void IssueValuesParseDomainAndParameters()
    {
        var value = CaaIssueValue.Parse(" letsencrypt.org ; accounturi=https://x/acct/1 ;validationmethods=dns-01");
        Assert.Equal("letsencrypt.org", value.Domain);
        Assert.Equal("https://x/acct/1", value.Parameters["accounturi"]);
        Assert.Equal("dns-01", value.Parameters["validationmethods"]);
        Assert.Equal("", CaaIssueValue.Parse(";").Domain);
    }
}
