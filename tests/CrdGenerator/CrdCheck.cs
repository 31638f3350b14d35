namespace CertFleet.CrdGenerator;

/// <summary>Compares a directory of checked-in CRDs with freshly generated ones.</summary>
public static class CrdCheck
{
    /// <summary>File names that are missing, different, or present but no longer generated.</summary>
    public static IReadOnlyList<string> Differences(string directory, IReadOnlyList<CrdFile> generated)
    {
        var differing = generated
            .Where(file =>
            {
                var path = Path.Combine(directory, file.FileName);
                return !File.Exists(path) || File.ReadAllText(path) != file.Text;
            })
            .Select(file => file.FileName);
        var stale = GeneratedFilesIn(directory).Except(generated.Select(file => file.FileName));
        return differing.Concat(stale).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The CRD files in a directory: every YAML file, since the directory holds only generated CRDs.</summary>
    public static IEnumerable<string> GeneratedFilesIn(string directory) =>
        Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "*.yaml").Select(Path.GetFileName).OfType<string>()
            : [];
}
