using System.Text.Json.Nodes;

namespace CertFleet.KubeEmulator.Api;

/// <summary>The Kubernetes version the emulator presents itself as (/version).</summary>
internal static class VersionInfo
{
    public const string GitVersion = "v1.32.0";

    public static JsonObject Document() => new()
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["gitVersion"] = GitVersion,
        ["gitCommit"] = "certfleet-kube-emulator",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2024-12-11T00:00:00Z",
        ["goVersion"] = "go1.23.4",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };
}
