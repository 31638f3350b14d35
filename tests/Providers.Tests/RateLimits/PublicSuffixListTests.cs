using CertFleet.Providers.RateLimits;

namespace CertFleet.Providers.Tests.RateLimits;

public sealed class PublicSuffixListTests
{
    private static readonly PublicSuffixList Debian = PublicSuffixList.Load(PublicSuffixList.DebianPath);

    /// <summary>The publicsuffix.org test vectors (checkPublicSuffix), with a suffix itself as its own registered domain.</summary>
    [Theory]
    [InlineData("com", "com")]
    [InlineData("example.com", "example.com")]
    [InlineData("b.example.com", "example.com")]
    [InlineData("a.b.example.com", "example.com")]
    [InlineData("WWW.Example.COM", "example.com")]
    [InlineData("example.example", "example.example")] // unlisted TLD: the implicit "*" rule
    [InlineData("b.example.example", "example.example")]
    [InlineData("uk", "uk")]
    [InlineData("co.uk", "co.uk")]
    [InlineData("example.co.uk", "example.co.uk")]
    [InlineData("www.shop.example.co.uk", "example.co.uk")]
    [InlineData("test.ac.jp", "test.ac.jp")]
    [InlineData("www.test.ac.jp", "test.ac.jp")]
    [InlineData("c.kobe.jp", "c.kobe.jp")] // *.kobe.jp: the name is a suffix
    [InlineData("b.c.kobe.jp", "b.c.kobe.jp")]
    [InlineData("a.b.c.kobe.jp", "b.c.kobe.jp")]
    [InlineData("city.kobe.jp", "city.kobe.jp")] // !city.kobe.jp
    [InlineData("www.city.kobe.jp", "city.kobe.jp")]
    [InlineData("test.ck", "test.ck")] // *.ck
    [InlineData("b.test.ck", "b.test.ck")]
    [InlineData("www.ck", "www.ck")] // !www.ck
    [InlineData("www.www.ck", "www.ck")]
    [InlineData("test.k12.ak.us", "test.k12.ak.us")]
    [InlineData("www.test.k12.ak.us", "test.k12.ak.us")]
    [InlineData("user.github.io", "user.github.io")] // private section
    [InlineData("www.user.github.io", "user.github.io")]
    [InlineData("*.example.co.uk", "example.co.uk")] // wildcard identifiers count as their base
    [InlineData("xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn")]
    [InlineData("www.xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn")]
    [InlineData("192.0.2.7", "192.0.2.7")]
    public void RegisteredDomainFollowsTheListIncludingThePrivateSection(string name, string expected) =>
        Assert.Equal(expected, Debian.RegisteredDomain(name));

    [Fact]
    public void WildcardAndExceptionRulesFromASmallList()
    {
        var list = PublicSuffixList.Parse("""
            // ===BEGIN ICANN DOMAINS===
            test
            *.wild.test
            !keep.wild.test
            // ===BEGIN PRIVATE DOMAINS===
            pages.test  some comment after whitespace
            食狮.test
            """);
        Assert.Equal(5, list.RuleCount);
        Assert.Equal("a.test", list.RegisteredDomain("x.a.test"));
        Assert.Equal("b.x.wild.test", list.RegisteredDomain("a.b.x.wild.test"));
        Assert.Equal("keep.wild.test", list.RegisteredDomain("a.keep.wild.test"));
        Assert.Equal("me.pages.test", list.RegisteredDomain("www.me.pages.test"));
        Assert.Equal("a.xn--85x722f.test", list.RegisteredDomain("b.a.食狮.test"));
    }

    [Fact]
    public void AMissingFileNamesThePathAndThePackage()
    {
        var error = Assert.Throws<FileNotFoundException>(() => PublicSuffixList.Load("/nonexistent/public_suffix_list.dat"));
        Assert.Contains("/nonexistent/public_suffix_list.dat", error.Message);
        Assert.Contains("apt-get install publicsuffix", error.Message);
    }
}
