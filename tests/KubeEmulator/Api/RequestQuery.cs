using System.Globalization;
using CertFleet.KubeEmulator.Registry;
using CertFleet.KubeEmulator.Resources;
using CertFleet.KubeEmulator.Tables;
using Microsoft.AspNetCore.Http;

namespace CertFleet.KubeEmulator.Api;

/// <summary>The query parameters the emulator honours; unknown ones (timeout, limit, pretty, ...) are ignored, as allowed.</summary>
internal sealed class RequestQuery(IQueryCollection query)
{
    public string? LabelSelector => Text("labelSelector");

    public string? FieldSelector => Text("fieldSelector");

    public bool Watch => Flag("watch");

    public bool AllowWatchBookmarks => Flag("allowWatchBookmarks");

    public bool SendInitialEvents => Flag("sendInitialEvents");

    public string? ResourceVersion => Text("resourceVersion");

    public int? TimeoutSeconds => int.TryParse(Text("timeoutSeconds"), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? seconds : null;

    public IncludeObject IncludeObject => Text("includeObject") switch
    {
        "None" => IncludeObject.None,
        "Object" => IncludeObject.Object,
        _ => IncludeObject.Metadata,
    };

    public WriteOptions WriteOptions => new(Validation, DryRun, Text("fieldManager"), Flag("force"));

    public bool DryRun => query["dryRun"].Any(v => v == "All");

    /// <summary>fieldValidation; the apiserver's default is Warn.</summary>
    public FieldValidation Validation => Text("fieldValidation") switch
    {
        null or "" or "Warn" => FieldValidation.Warn,
        "Strict" => FieldValidation.Strict,
        "Ignore" => FieldValidation.Ignore,
        var other => throw ApiError.BadRequest($"fieldValidation parameter unsupported value: {other}"),
    };

    /// <summary>A watch's starting point: null for "now, with the current objects as ADDED" (unset or "0").</summary>
    public long? WatchStart()
    {
        var text = ResourceVersion;
        if (string.IsNullOrEmpty(text) || text == "0")
        {
            return null;
        }
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var revision)
            ? revision
            : throw ApiError.BadRequest($"invalid resource version: {text}");
    }

    public string? Text(string name) => query.TryGetValue(name, out var values) ? values.ToString() : null;

    private bool Flag(string name) => Text(name) is "true" or "1" or "True";
}
