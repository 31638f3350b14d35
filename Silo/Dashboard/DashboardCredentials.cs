using System.Security.Cryptography;
using System.Text;

namespace CertFleet.Silo.Dashboard;

/// <summary>
/// Decides whether a request may see the dashboard: its <c>Authorization</c> header must carry the basic credentials
/// (<c>user:password</c>) or the bearer token read from the configured files. Files are read again when they change,
/// so a rotated Secret applies without a restart. Only SHA-256 digests are kept and compared, in constant time.
/// </summary>
public sealed class DashboardCredentials(string? credentialsFile, string? bearerTokenFile)
{
    private readonly SecretFile? _basic = string.IsNullOrWhiteSpace(credentialsFile) ? null : new SecretFile(credentialsFile);
    private readonly SecretFile? _bearer = string.IsNullOrWhiteSpace(bearerTokenFile) ? null : new SecretFile(bearerTokenFile);

    /// <summary>The challenges a 401 answer carries, one per accepted scheme.</summary>
    public IReadOnlyList<string> Challenges =>
    [
        .. _basic is null ? Array.Empty<string>() : ["Basic realm=\"CertFleet dashboard\", charset=\"UTF-8\""],
        .. _bearer is null ? Array.Empty<string>() : ["Bearer realm=\"CertFleet dashboard\""],
    ];

    /// <summary>Whether <paramref name="authorization"/> (the header's value) carries the configured credentials.</summary>
    public bool Allows(string? authorization)
    {
        var space = authorization?.IndexOf(' ') ?? -1;
        if (space <= 0)
            return false;
        var scheme = authorization![..space];
        var value = authorization[(space + 1)..].Trim();
        if (_basic is not null && scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
            return DecodedBasic(value) is { } presented && _basic.Matches(presented);
        if (_bearer is not null && scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
            return _bearer.Matches(value);
        return false;
    }

    /// <summary>Why <paramref name="path"/> cannot serve as a credentials (user:password) or token file, or null.</summary>
    public static string? FileProblem(string path, bool credentials)
    {
        string content;
        try
        {
            content = SecretFile.Read(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return $"cannot be read (\"{path}\"): {exception.Message}";
        }
        if (content.Length == 0)
            return $"is empty (\"{path}\")";
        if (credentials && (content.IndexOf(':') <= 0 || content.EndsWith(':')))
            return $"must hold user:password on one line (\"{path}\")";
        return null;
    }

    private static string? DecodedBasic(string value)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(value));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>One mounted file's value, kept as a digest and read again when the file's write time changes.</summary>
    private sealed class SecretFile(string path)
    {
        private volatile Snapshot? _current;

        public bool Matches(string presented)
        {
            var digest = Current();
            // Equal-length digests, compared in constant time: neither the value nor its length leaks through timing.
            return digest is not null && CryptographicOperations.FixedTimeEquals(digest, SHA256.HashData(Encoding.UTF8.GetBytes(presented)));
        }

        /// <summary>A file's value without the line end an editor or `kubectl create secret --from-file` leaves.</summary>
        public static string Read(string path) => File.ReadAllText(path).TrimEnd('\r', '\n');

        private byte[]? Current()
        {
            try
            {
                var writtenAt = File.GetLastWriteTimeUtc(path);
                if (_current is { } known && known.WrittenAt == writtenAt)
                    return known.Digest;
                var value = Read(path);
                if (value.Length == 0)
                    return null;
                var digest = SHA256.HashData(Encoding.UTF8.GetBytes(value));
                _current = new Snapshot(writtenAt, digest);
                return digest;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // A Secret being swapped in: refuse until the file is back.
                return null;
            }
        }

        private sealed record Snapshot(DateTime WrittenAt, byte[] Digest);
    }
}
