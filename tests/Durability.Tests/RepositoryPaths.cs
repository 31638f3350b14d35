namespace CertFleet.Durability.Tests;

/// <summary>Where the built Silo lives: the same configuration as this test assembly, as `make build` leaves it.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Configuration { get; } =
        AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar).Contains("Release") ? "Release" : "Debug";

    public static string SiloDll => Path.Combine(Root, "Silo", "bin", Configuration, "net10.0", "certfleet-silo.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"no Orleans.sln above {AppContext.BaseDirectory}");
    }
}
