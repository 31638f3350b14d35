using CertFleet.Providers.Acme;

namespace CertFleet.Providers.Tests.Acme;

public class LinkHeaderTests
{
    private static readonly Uri Base = new("https://ca.example/acme/cert/abc");

    [Fact]
    public void Several_headers_and_comma_joined_links_are_all_read()
    {
        var headers = new HttpResponseMessage().Headers;
        headers.TryAddWithoutValidation("Link", "<https://ca.example/acme/cert/abc/1>;rel=\"alternate\", <https://ca.example/acme/cert/abc/2>; rel=\"alternate\"");
        headers.TryAddWithoutValidation("Link", "<https://ca.example/dir>;rel=\"index\"");

        var links = LinkHeader.Parse(headers, Base);

        Assert.Equal(
            [("https://ca.example/acme/cert/abc/1", "alternate"), ("https://ca.example/acme/cert/abc/2", "alternate"), ("https://ca.example/dir", "index")],
            links);
    }

    [Fact]
    public void Relative_URLs_resolve_against_the_request_URL()
    {
        var headers = new HttpResponseMessage().Headers;
        headers.TryAddWithoutValidation("Link", "</acme/cert/abc/alternate/1>; rel=alternate, <up>;rel=\"up\"");

        var links = LinkHeader.Parse(headers, Base);

        Assert.Equal([("https://ca.example/acme/cert/abc/alternate/1", "alternate"), ("https://ca.example/acme/cert/up", "up")], links);
    }

    [Fact]
    public void Commas_inside_quoted_parameters_do_not_split_links_and_multiple_rels_are_separate()
    {
        var headers = new HttpResponseMessage().Headers;
        headers.TryAddWithoutValidation("Link", "<https://ca.example/tos>; title=\"Terms, v2\"; rel=\"terms-of-service Alternate\"");

        var links = LinkHeader.Parse(headers, Base);

        Assert.Equal([("https://ca.example/tos", "terms-of-service"), ("https://ca.example/tos", "alternate")], links);
    }

    [Fact]
    public void No_link_header_gives_nothing()
    {
        Assert.Empty(LinkHeader.Parse(new HttpResponseMessage().Headers, Base));
    }
}
