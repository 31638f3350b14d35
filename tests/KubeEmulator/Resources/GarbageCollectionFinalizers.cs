namespace CertFleet.KubeEmulator.Resources;

/// <summary>The finalizers a DELETE with propagationPolicy Foreground or Orphan puts on the owner.</summary>
internal static class GarbageCollectionFinalizers
{
    public const string Foreground = "foregroundDeletion";

    public const string Orphan = "orphan";
}
