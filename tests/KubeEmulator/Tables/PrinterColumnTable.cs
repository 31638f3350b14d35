using System.Text.Json;
using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Json;

namespace CertFleet.KubeEmulator.Tables;

/// <summary>A CRD version's additionalPrinterColumns, rendered as the apiextensions tableconvertor does.</summary>
internal sealed class PrinterColumnTable : TableConvertor
{
    private const string NameDescription =
        "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

    private readonly List<(TableColumn Column, KubectlJsonPath Path)> _custom;

    /// <param name="columns">(name, type, format, description, priority, jsonPath) per printer column.</param>
    public PrinterColumnTable(IEnumerable<(string Name, string Type, string Format, string? Description, int Priority, string JsonPath)> columns)
    {
        _custom = columns
            .Select(c => (new TableColumn(c.Name, c.Type, c.Description ?? c.JsonPath, c.Priority, c.Format), KubectlJsonPath.Parse(c.JsonPath)))
            .ToList();
        if (_custom.Count == 0)
        {
            // apiextensions serves an Age column when a version declares none.
            _custom.Add((new TableColumn("Age", "date", ".metadata.creationTimestamp"), KubectlJsonPath.Parse(".metadata.creationTimestamp")));
        }
        Columns = [new TableColumn("Name", "string", NameDescription, 0, "name"), .. _custom.Select(c => c.Column)];
    }

    public override IReadOnlyList<TableColumn> Columns { get; }

    public override JsonNode?[] Cells(JsonObject obj, DateTimeOffset now)
    {
        var cells = new JsonNode?[_custom.Count + 1];
        cells[0] = obj.StringAt("metadata", "name") ?? "";
        for (var i = 0; i < _custom.Count; i++)
        {
            var (column, path) = _custom[i];
            var results = path.Evaluate(obj);
            cells[i + 1] = results.Count == 0 ? null : Cell(column.Type, results[0], now);
        }
        return cells;
    }

    private static JsonNode? Cell(string type, JsonNode value, DateTimeOffset now) => type switch
    {
        "string" => value.AsString() ?? JsonTree.ToText(value),
        "integer" => JsonTree.Kind(value) == JsonValueKind.Number && value.AsLong() is { } integer ? integer : null,
        "number" => JsonTree.Kind(value) == JsonValueKind.Number ? value.DeepClone() : null,
        "boolean" => value.AsBool() is { } flag ? flag : null,
        "date" => value.AsString() is { } text && Resources.TimeField.TryParse(text, out var time)
            ? HumanDuration.Format(now - time)
            : null,
        _ => null,
    };
}
