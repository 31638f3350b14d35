using System.Text.Json;
using System.Text.Json.Nodes;
using CertFleet.TestSupport;
using YamlDotNet.Serialization;

namespace CertFleet.Chart.Tests;

/// <summary>The objects `helm template` renders from helm/certfleet, parsed, with the YAML helm printed.</summary>
public sealed class RenderedChart
{
    public const string Release = "cf";
    public const string Namespace = "certfleet";

    private RenderedChart(string yaml, List<JsonObject> objects)
    {
        Yaml = yaml;
        Objects = objects;
    }

    public string Yaml { get; }

    public IReadOnlyList<JsonObject> Objects { get; }

    /// <summary>The production values kept beside the tests (3 replicas, Redis, ServiceMonitor, dashboard).</summary>
    public static string ProductionValues => Path.Combine(AppContext.BaseDirectory, "production-values.yaml");

    /// <summary>Renders the chart with extra helm arguments (--set, -f); fails the test if helm refuses.</summary>
    public static async Task<RenderedChart> RenderAsync(params string[] arguments)
    {
        var (exitCode, output) = await TemplateAsync(arguments);
        Assert.True(exitCode == 0, $"helm template failed:\n{output}");
        return new RenderedChart(output, Parse(output));
    }

    /// <summary>Runs `helm template` and returns its exit code and output as they are.</summary>
    public static Task<(int ExitCode, string Output)> TemplateAsync(params string[] arguments) =>
        HelmCli.RunAsync(["template", Release, HelmCli.Chart, "--namespace", Namespace, .. arguments]);

    public JsonObject Single(string kind) =>
        Assert.Single(Objects, o => o["kind"]?.GetValue<string>() == kind);

    public IEnumerable<JsonObject> OfKind(string kind) => Objects.Where(o => o["kind"]?.GetValue<string>() == kind);

    /// <summary>The YAML written to a file, for kubectl -f.</summary>
    public string WriteTo(string directory)
    {
        var path = Path.Combine(directory, $"rendered-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, Yaml);
        return path;
    }

    private static List<JsonObject> Parse(string yaml)
    {
        var deserializer = new DeserializerBuilder().WithAttemptingUnquotedStringTypeDeserialization().Build();
        var objects = new List<JsonObject>();
        foreach (var document in yaml.Split("\n---", StringSplitOptions.RemoveEmptyEntries))
        {
            var value = deserializer.Deserialize<object?>(document);
            if (value is null)
                continue;
            objects.Add(JsonSerializer.SerializeToNode(Normalize(value))!.AsObject());
        }
        return objects;
    }

    /// <summary>YamlDotNet's object graph (object-keyed dictionaries) as JSON-serializable values.</summary>
    private static object? Normalize(object? value) => value switch
    {
        IDictionary<object, object?> map => map.ToDictionary(e => e.Key.ToString()!, e => Normalize(e.Value)),
        IList<object?> list => list.Select(Normalize).ToList(),
        _ => value,
    };
}
