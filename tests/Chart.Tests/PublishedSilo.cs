using System.Diagnostics;
using CertFleet.TestSupport;

namespace CertFleet.Chart.Tests;

/// <summary>
/// `dotnet publish` of the silo into a fresh folder, as the Dockerfile's build stage runs it, done once for the test
/// class. The folder is then made read-only, as the image's /app is under readOnlyRootFilesystem, and only
/// <see cref="Tmp"/> is writable by anyone (the image's /tmp).
/// </summary>
public sealed class PublishedSilo : IAsyncLifetime
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("certfleet-publish-");

    public string Folder => Path.Combine(_root.FullName, "app");

    /// <summary>The image's only writable place (the chart mounts an emptyDir there), TMPDIR and HOME.</summary>
    public string Tmp => Path.Combine(_root.FullName, "tmp");

    public TimeSpan PublishTime { get; private set; }

    public string PublishOutput { get; private set; } = "";

    public async Task InitializeAsync()
    {
        // The silo may run as another user (the image's UID, see PublishedSiloTests): it must reach the folder and
        // write in Tmp, as in /tmp (mode 1777).
        _root.UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                             UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        Directory.CreateDirectory(Tmp).UnixFileMode = (UnixFileMode)0b1_111_111_111;
        var project = Path.Combine(RepositoryCheckout.Root, "Silo", "CertFleet.Silo.csproj");
        var watch = Stopwatch.StartNew();
        await using var publish = ChildProcess.Start("dotnet",
            ["publish", project, "-c", RepositoryCheckout.Configuration, "-o", Folder, "-nologo", "-clp:ErrorsOnly"],
            new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" });
        var exitCode = await publish.WaitForExitAsync(TimeSpan.FromMinutes(10));
        PublishTime = watch.Elapsed;
        PublishOutput = publish.Output;
        Assert.True(exitCode == 0, $"dotnet publish failed:\n{publish.Output}");
        SetReadOnly(new DirectoryInfo(Folder), readOnly: true);
    }

    public Task DisposeAsync()
    {
        SetReadOnly(new DirectoryInfo(Folder), readOnly: false);
        _root.Delete(recursive: true);
        return Task.CompletedTask;
    }

    private static void SetReadOnly(DirectoryInfo directory, bool readOnly)
    {
        if (!directory.Exists)
            return;
        const UnixFileMode readable = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        const UnixFileMode searchable = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        if (!readOnly)
            directory.UnixFileMode = readable | searchable | UnixFileMode.UserWrite;
        foreach (var child in directory.EnumerateDirectories())
            SetReadOnly(child, readOnly);
        foreach (var file in directory.EnumerateFiles())
            file.UnixFileMode = readOnly ? file.UnixFileMode & ~(UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)
                : file.UnixFileMode | UnixFileMode.UserWrite;
        if (readOnly)
            directory.UnixFileMode = readable | searchable;
    }
}
