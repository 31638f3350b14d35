using System.Text;
using CertFleet.Silo.Dashboard;

namespace CertFleet.Durability.Tests;

/// <summary>What the dashboard lets through: the configured basic credentials or bearer token, read again when rotated.</summary>
public sealed class DashboardCredentialsTests
{
    private readonly string _directory = Directory.CreateTempSubdirectory("certfleet-dashboard-credentials-").FullName;

    private string Write(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static string Basic(string userAndPassword) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(userAndPassword));

    [Fact]
    public void OnlyTheConfiguredCredentials_AreAllowed()
    {
        var credentials = new DashboardCredentials(Write("credentials", "admin:pa:ss\n"), Write("token", "t0ken\n"));

        Assert.True(credentials.Allows(Basic("admin:pa:ss")));
        Assert.True(credentials.Allows("basic " + Basic("admin:pa:ss")[6..]));
        Assert.True(credentials.Allows("Bearer t0ken"));
        foreach (var refused in new[]
                 {
                     null, "", "Basic", Basic("admin:pa:s"), Basic("admin:pa:ss\n"), Basic("Admin:pa:ss"), "Basic not-base64!",
                     "Bearer t0ke", "Bearer t0ken2", "Bearer admin:pa:ss", "Digest t0ken", "t0ken",
                 })
            Assert.False(credentials.Allows(refused), refused);
        Assert.Equal(["Basic realm=\"CertFleet dashboard\", charset=\"UTF-8\"", "Bearer realm=\"CertFleet dashboard\""], credentials.Challenges);
    }

    [Fact]
    public void ASchemeWithoutItsFile_IsRefused()
    {
        var tokenOnly = new DashboardCredentials(null, Write("token", "t0ken"));
        Assert.False(tokenOnly.Allows(Basic("t0ken:")));
        Assert.Equal(["Bearer realm=\"CertFleet dashboard\""], tokenOnly.Challenges);
    }

    [Fact]
    public void ARotatedSecret_AppliesWithoutARestart()
    {
        var path = Write("credentials", "admin:old");
        var credentials = new DashboardCredentials(path, null);
        Assert.True(credentials.Allows(Basic("admin:old")));

        File.WriteAllText(path, "admin:new");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));
        Assert.True(credentials.Allows(Basic("admin:new")));
        Assert.False(credentials.Allows(Basic("admin:old")));

        // While the Secret's file is gone, nothing is allowed.
        File.Delete(path);
        Assert.False(credentials.Allows(Basic("admin:new")));
    }
}
