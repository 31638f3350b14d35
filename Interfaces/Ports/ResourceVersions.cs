namespace CertFleet.Interfaces.Ports;

/// <summary>
/// The one echo rule: a grain remembers the resourceVersion of its own last write to an object and ignores watch
/// events at or below it, since such an event shows its own write (or something older it has already acted on).
/// </summary>
public static class ResourceVersions
{
    /// <summary>
    /// True when <paramref name="observed"/> is at or below <paramref name="written"/>. resourceVersions are opaque to
    /// clients, but every API server in use (etcd's revisions, the test emulator) issues increasing integers; anything
    /// else is compared for equality only, so an unknown form is never mistaken for an echo.
    /// </summary>
    public static bool IsAtOrBelow(string? observed, string? written)
    {
        if (string.IsNullOrEmpty(observed) || string.IsNullOrEmpty(written))
            return false;
        return long.TryParse(observed, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var o)
               && long.TryParse(written, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var w)
            ? o <= w
            : observed == written;
    }

    /// <summary>The later of two versions this grain wrote (a write's answer may arrive after a later one's).</summary>
    public static string? Latest(string? a, string? b) => IsAtOrBelow(a, b) ? b : a ?? b;
}
