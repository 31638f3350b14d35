namespace CertFleet.TestSupport;

/// <summary>The checkout the tests were built in (the folder holding Orleans.sln above their binaries) and its parts.</summary>
public static class RepositoryCheckout
{
    public static string Root { get; } = FindRoot();

    /// <summary>Release or Debug: whichever configuration built the calling test assembly built the executables too.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar).Contains("Release") ? "Release" : "Debug";

    public static string Crds => Path.Combine(Root, "helm", "certfleet", "crds");

    /// <summary>The guide's manifests, in shared/ beside the checkout.</summary>
    public static string Seeds => Path.GetFullPath(Path.Combine(Root, "..", "shared", "examples", "seed"));

    /// <summary>A built file of a project, e.g. <c>Built("Silo", "certfleet-silo.dll")</c>.</summary>
    public static string Built(string project, string file) => Path.Combine(Root, project, "bin", Configuration, "net10.0", file);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "Orleans.sln")))
                return directory.FullName;
        throw new InvalidOperationException($"No Orleans.sln above {AppContext.BaseDirectory}");
    }
}
