using System.Text;

namespace CertFleet.KubeEmulator.Hosting;

/// <summary>Writes the kubeconfig kubectl and KubernetesClient use as is: server URL, CA data and bearer token.</summary>
internal static class KubeconfigFile
{
    public const string Name = "kube-emulator";

    public static void Write(string path, string url, string caPem, string token)
    {
        var caData = Convert.ToBase64String(Encoding.ASCII.GetBytes(caPem));
        var text = $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: {Name}
              cluster:
                server: {url}
                certificate-authority-data: {caData}
            users:
            - name: {Name}
              user:
                token: {token}
            contexts:
            - name: {Name}
              context:
                cluster: {Name}
                user: {Name}
                namespace: default
            current-context: {Name}
            preferences: {"{}"}

            """;
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
