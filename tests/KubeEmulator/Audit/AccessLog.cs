using System.Collections.Concurrent;
using System.Text.Json;

namespace CertFleet.KubeEmulator.Audit;

/// <summary>
/// The distinct authorization questions the audited client caused, in memory and appended to a JSON-lines file (one
/// <see cref="AccessRecord"/> per line, each written once per emulator process).
/// </summary>
public sealed class AccessLog
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentDictionary<AccessRecord, bool> _seen = new();
    private readonly string? _path;
    private readonly Lock _file = new();

    internal AccessLog(string? path)
    {
        _path = path;
        if (path is not null && Path.GetDirectoryName(Path.GetFullPath(path)) is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
        }
    }

    /// <summary>Everything recorded so far.</summary>
    public IReadOnlyList<AccessRecord> Records => [.. _seen.Keys];

    internal void Record(AccessRecord record)
    {
        if (!_seen.TryAdd(record, true) || _path is null)
        {
            return;
        }
        var line = JsonSerializer.Serialize(record, Json) + "\n";
        lock (_file)
        {
            File.AppendAllText(_path, line);
        }
    }

    /// <summary>Reads the records of a file this class wrote.</summary>
    public static IEnumerable<AccessRecord> Read(string path) =>
        File.ReadLines(path).Where(line => line.Length > 0).Select(line => JsonSerializer.Deserialize<AccessRecord>(line, Json)
            ?? throw new InvalidDataException($"{path}: an empty record"));
}
