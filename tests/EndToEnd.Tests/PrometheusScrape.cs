using System.Globalization;
using System.Text;

namespace CertFleet.EndToEnd.Tests;

/// <summary>One sample of a scrape: metric name, labels, value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    /// <summary>Whether every given label has the given value (other labels may be present).</summary>
    public bool Has(params (string Label, string Value)[] labels) =>
        labels.All(l => Labels.TryGetValue(l.Label, out var value) && value == l.Value);

    /// <summary>The series as PromQL and promtool write it: name{label="value",...}.</summary>
    public string Series => $"{Name}{{{string.Join(",", Labels.OrderBy(l => l.Key, StringComparer.Ordinal)
        .Select(l => $"{l.Key}=\"{l.Value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n")}\""))}}}";
}

/// <summary>Prometheus' text exposition format 0.0.4, read the way Prometheus reads it.</summary>
public sealed class PrometheusScrape
{
    private PrometheusScrape(IReadOnlyList<PrometheusSample> samples, IReadOnlyDictionary<string, string> types, string text)
    {
        Samples = samples;
        Types = types;
        Text = text;
    }

    public IReadOnlyList<PrometheusSample> Samples { get; }

    /// <summary>Metric family → type, from the # TYPE lines.</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    public string Text { get; }

    public IEnumerable<PrometheusSample> Named(string name) => Samples.Where(s => s.Name == name);

    /// <summary>The one sample of <paramref name="name"/> with these labels; fails naming what was there.</summary>
    public double Value(string name, params (string Label, string Value)[] labels)
    {
        var matches = Named(name).Where(s => s.Has(labels)).ToList();
        Assert.True(matches.Count == 1, $"expected one {name} with {string.Join(",", labels)}; found {matches.Count} of:\n" +
            string.Join("\n", Named(name).Select(s => s.Series)));
        return matches[0].Value;
    }

    public static PrometheusScrape Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        var types = new Dictionary<string, string>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                types[parts[2]] = parts[3];
                continue;
            }
            if (line.StartsWith('#'))
                continue;
            samples.Add(ParseSample(line));
        }
        return new PrometheusScrape(samples, types, text);
    }

    private static PrometheusSample ParseSample(string line)
    {
        var labels = new Dictionary<string, string>();
        var brace = line.IndexOf('{');
        var space = line.IndexOf(' ');
        string name;
        int rest;
        if (brace >= 0 && brace < space)
        {
            name = line[..brace];
            var i = brace + 1;
            while (line[i] != '}')
            {
                var equals = line.IndexOf('=', i);
                var label = line[i..equals];
                i = equals + 2; // past ="
                var value = new StringBuilder();
                while (line[i] != '"')
                {
                    if (line[i] == '\\')
                    {
                        i++;
                        value.Append(line[i] == 'n' ? '\n' : line[i]);
                    }
                    else
                    {
                        value.Append(line[i]);
                    }
                    i++;
                }
                labels[label] = value.ToString();
                i++; // past the closing quote
                if (line[i] == ',')
                    i++;
            }
            rest = i + 1;
        }
        else
        {
            name = line[..space];
            rest = space;
        }
        var fields = line[rest..].Trim().Split(' ');
        return new PrometheusSample(name, labels, double.Parse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture));
    }
}
