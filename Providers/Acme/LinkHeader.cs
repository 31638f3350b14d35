using System.Net.Http.Headers;

namespace CertFleet.Providers.Acme;

/// <summary>
/// Parses RFC 8288 Link headers: several headers, each possibly holding comma-joined links, URLs resolved against
/// the request URL. A link with <c>rel="a b"</c> yields one entry per relation type.
/// </summary>
public static class LinkHeader
{
    public static IReadOnlyList<(string Url, string Rel)> Parse(HttpResponseHeaders headers, Uri baseUri)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var links = new List<(string, string)>();
        if (!headers.TryGetValues("Link", out var values))
        {
            return links;
        }
        foreach (var value in values)
        {
            ParseValue(value, baseUri, links);
        }
        return links;
    }

    private static void ParseValue(string value, Uri baseUri, List<(string, string)> links)
    {
        var position = 0;
        while (true)
        {
            var open = value.IndexOf('<', position);
            if (open < 0)
            {
                return;
            }
            var close = value.IndexOf('>', open + 1);
            if (close < 0)
            {
                return;
            }
            var target = value[(open + 1)..close].Trim();
            var end = EndOfLink(value, close + 1);
            foreach (var rel in Relations(value[(close + 1)..end]))
            {
                if (Uri.TryCreate(baseUri, target, out var url))
                {
                    links.Add((url.AbsoluteUri, rel));
                }
            }
            position = end;
        }
    }

    /// <summary>The index of the comma that ends this link's parameters (commas inside quotes don't count), or the end.</summary>
    private static int EndOfLink(string value, int start)
    {
        var quoted = false;
        for (var i = start; i < value.Length; i++)
        {
            if (value[i] == '"')
            {
                quoted = !quoted;
            }
            else if (value[i] == ',' && !quoted)
            {
                return i;
            }
        }
        return value.Length;
    }

    private static IEnumerable<string> Relations(string parameters)
    {
        foreach (var parameter in parameters.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = parameter.IndexOf('=');
            if (equals > 0 && parameter[..equals].Trim().Equals("rel", StringComparison.OrdinalIgnoreCase))
            {
                foreach (var rel in parameter[(equals + 1)..].Trim().Trim('"').Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    yield return rel.ToLowerInvariant();
                }
            }
        }
    }
}
