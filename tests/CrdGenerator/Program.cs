using CertFleet.CrdGenerator;

// Usage:
//   crd-generator DIR           write every CRD into DIR (replacing stale generated files)
//   crd-generator --check DIR   exit 1 and list the files in DIR that differ from the generated ones
var check = args is ["--check", _];
if (args.Length != (check ? 2 : 1) || (!check && args[0].StartsWith('-')))
{
    Console.Error.WriteLine("usage: crd-generator [--check] DIR");
    return 2;
}
var directory = args[^1];
var generated = CustomResourceDefinitions.Generate();

if (check)
{
    var differing = CrdCheck.Differences(directory, generated);
    foreach (var file in differing)
        Console.Error.WriteLine($"differs: {Path.Combine(directory, file)}");
    if (differing.Count > 0)
        Console.Error.WriteLine($"Regenerate with: {CustomResourceDefinitions.RegenerateCommand}");
    return differing.Count == 0 ? 0 : 1;
}

Directory.CreateDirectory(directory);
foreach (var stale in CrdCheck.GeneratedFilesIn(directory).Except(generated.Select(file => file.FileName)))
    File.Delete(Path.Combine(directory, stale));
foreach (var file in generated)
    File.WriteAllText(Path.Combine(directory, file.FileName), file.Text);
Console.WriteLine($"wrote {generated.Count} CRDs to {directory}");
return 0;
