using System.Text.Json.Nodes;

namespace CertFleet.KubeEmulator.Tables;

/// <summary>What a Table row's "object" holds (the includeObject query parameter).</summary>
internal enum IncludeObject
{
    None,
    Metadata,
    Object,
}

/// <summary>Builds meta.k8s.io Table responses from objects.</summary>
internal static class TableDocument
{
    public static JsonObject Create(
        TableConvertor convertor, IEnumerable<JsonObject> objects, string? resourceVersion, IncludeObject include,
        bool withColumns, string apiVersion = "meta.k8s.io/v1")
    {
        var now = DateTimeOffset.UtcNow;
        var metadata = new JsonObject();
        if (resourceVersion is not null)
        {
            metadata["resourceVersion"] = resourceVersion;
        }
        var table = new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = apiVersion,
            ["metadata"] = metadata,
        };
        if (withColumns)
        {
            var columns = new JsonArray();
            foreach (var column in convertor.Columns)
            {
                columns.Add(new JsonObject
                {
                    ["name"] = column.Name,
                    ["type"] = column.Type,
                    ["format"] = column.Format,
                    ["description"] = column.Description,
                    ["priority"] = column.Priority,
                });
            }
            table["columnDefinitions"] = columns;
        }
        var rows = new JsonArray();
        foreach (var obj in objects)
        {
            var row = new JsonObject { ["cells"] = new JsonArray(convertor.Cells(obj, now)) };
            switch (include)
            {
                case IncludeObject.Metadata:
                    row["object"] = PartialObjectMetadata(obj);
                    break;
                case IncludeObject.Object:
                    row["object"] = obj.DeepClone();
                    break;
            }
            rows.Add(row);
        }
        table["rows"] = rows;
        return table;
    }

    /// <summary>A meta.k8s.io/v1 PartialObjectMetadata: the object's metadata alone.</summary>
    public static JsonObject PartialObjectMetadata(JsonObject obj) => new()
    {
        ["kind"] = "PartialObjectMetadata",
        ["apiVersion"] = "meta.k8s.io/v1",
        ["metadata"] = obj["metadata"]?.DeepClone() ?? new JsonObject(),
    };
}
