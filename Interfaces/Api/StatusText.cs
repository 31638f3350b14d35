namespace CertFleet.Interfaces.Api;

/// <summary>
/// The bound on free text written to an object's status (condition messages, Order and Challenge reasons). A CA's
/// error can be any length; without a bound one long message could push an object over the API server's size limit
/// and fail every status write after it.
/// </summary>
public static class StatusText
{
    /// <summary>Characters kept before the marker.</summary>
    public const int MaxLength = 4096;

    public const string TruncationMarker = "… (truncated)";

    /// <summary>The text itself when short enough, else its first <see cref="MaxLength"/> characters and the marker.</summary>
    public static string Truncate(string text)
    {
        if (text.Length <= MaxLength)
            return text;
        // Never split a surrogate pair: a lone half is not valid UTF-8 on the wire.
        var cut = char.IsHighSurrogate(text[MaxLength - 1]) ? MaxLength - 1 : MaxLength;
        return string.Concat(text.AsSpan(0, cut), TruncationMarker);
    }

    public static string? TruncateOrNull(string? text) => text is null ? null : Truncate(text);
}
