namespace CertFleet.Providers.Http;

/// <summary>
/// A server's answer was not read: it was larger than <see cref="Limit"/> once decoded, encoded in a way CertFleet
/// does not decode, or a redirect CertFleet does not follow. The message is a sentence a person can act on ("the ACME server's answer exceeded 1 MiB").
/// Not an <see cref="IOException"/>: a refused answer is not a network fault to retry at once.
/// </summary>
public sealed class ResponseBodyRefusedException(string message, long? limit) : Exception(message)
{
    /// <summary>The limit in decoded bytes that was exceeded; null for the other refusals.</summary>
    public long? Limit { get; } = limit;

    internal static ResponseBodyRefusedException TooLarge(string answerOf, long limit) =>
        new($"{answerOf} exceeded {BoundedBody.Size(limit)}", limit);
}
