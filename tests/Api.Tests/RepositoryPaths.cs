namespace CertFleet.Api.Tests;

/// <summary>Finds the repository (the folder holding Orleans.sln) and the shared/ folder beside it.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Crds => Path.Combine(Root, "helm", "certfleet", "crds");

    public static string Seeds => Path.GetFullPath(Path.Combine(Root, "..", "shared", "examples", "seed"));

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Orleans.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"No Orleans.sln above {AppContext.BaseDirectory}.");
    }
}
