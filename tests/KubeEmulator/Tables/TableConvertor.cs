using System.Text.Json.Nodes;

namespace CertFleet.KubeEmulator.Tables;

/// <summary>A metav1.TableColumnDefinition. Priority above 0 shows only with kubectl -o wide.</summary>
internal sealed record TableColumn(string Name, string Type, string Description, int Priority = 0, string Format = "");

/// <summary>Turns objects of one kind into rows of server-side printed columns (what kubectl get shows).</summary>
internal abstract class TableConvertor
{
    public abstract IReadOnlyList<TableColumn> Columns { get; }

    /// <summary>One cell per column, in column order; null renders as "&lt;none&gt;".</summary>
    public abstract JsonNode?[] Cells(JsonObject obj, DateTimeOffset now);
}

/// <summary>A table whose cells come from a function.</summary>
internal sealed class FunctionTable(IReadOnlyList<TableColumn> columns, Func<JsonObject, DateTimeOffset, JsonNode?[]> cells)
    : TableConvertor
{
    public override IReadOnlyList<TableColumn> Columns => columns;

    public override JsonNode?[] Cells(JsonObject obj, DateTimeOffset now) => cells(obj, now);
}
